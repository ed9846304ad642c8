"""Every label of the dashboard in zh-CN (default) and English.

`t(key, lang)` looks a label up; an unknown key raises KeyError so a missing label is
caught by the tests instead of showing a raw key to a user.
"""

from __future__ import annotations

DEFAULT = "zh"
LANGS = ("zh", "en")

LABELS: dict[str, tuple[str, str]] = {
    # shell
    "app.title": ("城市社会治理地理分析平台", "City governance geo-analytics"),
    "nav.overview": ("总览", "Overview"),
    "nav.hotspots": ("警情热点", "Hotspots"),
    "nav.grids": ("网格调整", "Grids"),
    "nav.coverage": ("设施覆盖", "Coverage"),
    "nav.export": ("数据导出", "Export"),
    "lang.switch": ("English", "中文"),
    "present.on": ("演示模式", "Presentation"),
    "logout": ("退出登录", "Sign out"),
    "ov.brief": ("会议简报（本周 PDF）", "Meeting brief (this week, PDF)"),
    "export.png": ("导出 PNG", "Export PNG"),
    "export.pdf": ("打印 / PDF", "Print / PDF"),
    "no_data": ("暂无数据：请先导入数据并运行分析。", "No data yet: load data and run the analyses first."),
    "table.empty": ("暂无记录", "No rows"),
    "table.loading": ("加载中…", "Loading…"),
    "callback_error": ("更新失败，请调整条件后重试。", "The update failed; change the filters and retry."),
    "not_found": ("页面不存在", "Page not found"),
    "db_error": ("数据库暂时不可用，请稍后重试。", "The database is unavailable; please retry shortly."),
    # overview
    "ov.title": ("总览", "Overview"),
    "ov.incidents": ("近{days}天警情", "Incidents, last {days} days"),
    "ov.vs_prev": ("较前{days}天", "vs previous {days} days"),
    "ov.days": ("{days} 天", "{days} days"),
    "ov.hot_share": ("热点区域警情占比", "Share in hotspots"),
    "ov.out_of_band": ("户数超出标准的网格", "Grids out of household band"),
    "ov.coverage": ("覆盖率", "Coverage"),
    "ov.map": ("警情热点分布（Gi*）", "Incident hotspots (Gi*)"),
    "ov.trend": ("警情趋势（按周）", "Incident trend (weekly)"),
    "ov.period": ("统计期", "Period"),
    # hotspots
    "hs.title": ("警情热点分析", "Incident hotspot analysis"),
    "hs.dates": ("日期范围", "Date range"),
    "hs.categories": ("警情类别", "Categories"),
    "hs.area": ("区县 / 街镇", "District / town"),
    "hs.all_areas": ("全市", "Whole city"),
    "hs.res": ("H3 分辨率", "H3 resolution"),
    "hs.k": ("邻域 k", "Neighbourhood k"),
    "hs.mode": ("图层", "Layer"),
    "hs.mode.counts": ("警情数", "Counts"),
    "hs.mode.gi": ("Gi* 热冷点", "Gi* bins"),
    "hs.mode.emerging": ("时空热点", "Emerging"),
    "hs.detail": ("单元详情", "Cell detail"),
    "hs.detail.hint": ("点击地图上的六边形查看详情。", "Click a hexagon on the map for its detail."),
    "hs.series": ("时间序列", "Time series"),
    "hs.mix": ("类别构成", "Category mix"),
    "hs.sites": ("附近重点场所（1 公里内）", "Key sites within 1 km"),
    "hs.no_sites": ("1 公里内无重点场所", "No key site within 1 km"),
    "hs.top": ("热点排行", "Top hotspots"),
    "hs.csv": ("下载 CSV", "Download CSV"),
    "hs.coarser": ("单元过多，已按分辨率 {res} 聚合显示", "Too many cells: shown at resolution {res}"),
    "hs.run_note": ("已存储的时空热点分析（H3 {res}，第 {run} 次，{at}）；日期、类别、区域筛选不适用于此图层。",
                    "Stored emerging hot-spot run (H3 {res}, run #{run}, {at}); the date, category and area filters do not apply to this layer."),
    "hs.alerts": ("预警：本期新增与激增", "Alerts: new and surging this period"),
    "hs.alerts.period": ("统计周期", "Period"),
    "hs.alerts.week": ("最近一周", "Latest week"),
    "hs.alerts.month": ("最近一月", "Latest month"),
    "hs.alerts.none": ("本期无预警", "No alert this period"),
    "hs.alerts.span": ("{start} 至 {end}，与此前 {n} 期比较", "{start} to {end}, against the {n} periods before"),
    "hs.alerts.item": ("{kind}｜{place}｜{count} 起（预期 {expected}）", "{kind} | {place} | {count} (expected {expected})"),
    "alert.new_hot_spot": ("新增热点", "New hot spot"),
    "alert.intensified": ("热点加剧", "Intensified"),
    "alert.surge": ("异常激增", "Surge"),
    "hs.nr": ("近重复分析（Knox 检验）", "Near-repeat (Knox test)"),
    "hs.nr.run": ("分析", "Analyse"),
    "hs.nr.hint": ("选择一个警情类别后点击“分析”：近一年内该类警情在各距离、时间段内的案件对数与随机情况之比。",
                   "Choose a category and press Analyse: pairs of its incidents over the last year per "
                   "distance and time band, against chance."),
    "hs.nr.x": ("间隔天数", "Days apart"),
    "hs.nr.y": ("相距米数", "Metres apart"),
    "hs.no_run": ("尚无时空热点分析结果（civicgrid hotspots）", "No emerging hot-spot run yet (civicgrid hotspots)"),
    "col.cell": ("H3 单元", "H3 cell"),
    "col.count": ("警情数", "Incidents"),
    "col.gi_z": ("Gi* z 值", "Gi* z"),
    "col.p_fdr": ("FDR p 值", "FDR p"),
    "col.bin": ("置信分级", "Confidence bin"),
    "col.name": ("名称", "Name"),
    "col.kind": ("类型", "Kind"),
    "col.address": ("地址", "Address"),
    "col.distance": ("距离（米）", "Distance (m)"),
    "col.category": ("类别", "Category"),
    "col.period": ("时间", "Period"),
    # Gi* bins (ArcGIS Gi_Bin)
    "bin.3": ("热点 99%", "Hot 99%"),
    "bin.2": ("热点 95%", "Hot 95%"),
    "bin.1": ("热点 90%", "Hot 90%"),
    "bin.0": ("不显著", "Not significant"),
    "bin.-1": ("冷点 90%", "Cold 90%"),
    "bin.-2": ("冷点 95%", "Cold 95%"),
    "bin.-3": ("冷点 99%", "Cold 99%"),
    # emerging categories
    "em.new": ("新增", "New"),
    "em.consecutive": ("连续", "Consecutive"),
    "em.intensifying": ("加强", "Intensifying"),
    "em.persistent": ("持续", "Persistent"),
    "em.diminishing": ("减弱", "Diminishing"),
    "em.sporadic": ("零星", "Sporadic"),
    "em.oscillating": ("振荡", "Oscillating"),
    "em.historical": ("历史", "Historical"),
    "em.hot": ("热点", "hot spot"),
    "em.cold": ("冷点", "cold spot"),
    "em.none": ("无模式", "No pattern"),
    # grids
    "gr.title": ("网格调整", "Grid adjustment"),
    "gr.active": ("现行版本", "Active version"),
    "gr.draft": ("对比版本（草案）", "Compared version (draft)"),
    "gr.layer": ("专题", "Theme"),
    "gr.layer.band": ("户数分档", "Household band"),
    "gr.layer.changes": ("调整类型", "Change classes"),
    "gr.layer.problems": ("拓扑问题", "Topology problems"),
    "gr.table": ("网格明细", "Grids"),
    "gr.problems": ("拓扑检查问题", "Validation problems"),
    "gr.no_problems": ("未发现拓扑问题", "No validation problem found"),
    "gr.unavailable": ("该分析模块尚未安装", "This analysis is not available yet"),
    "band.under": ("户数偏少（<{lo}）", "Below band (<{lo})"),
    "band.in": ("户数达标（{lo}–{hi}）", "In band ({lo}–{hi})"),
    "band.over": ("户数偏多（>{hi}）", "Above band (>{hi})"),
    "band.unknown": ("户数未知", "Households unknown"),
    "change.unchanged": ("未变", "Unchanged"),
    "change.reshaped": ("调整边界", "Reshaped"),
    "change.split": ("拆分", "Split"),
    "change.merged": ("合并", "Merged"),
    "change.new": ("新增", "New"),
    "change.removed": ("撤销", "Removed"),
    "problem.gap": ("缝隙", "Gap"),
    "problem.overlap": ("重叠", "Overlap"),
    "problem.invalid": ("无效几何", "Invalid geometry"),
    "problem.duplicate_code": ("编码重复", "Duplicate code"),
    "problem.crosses_parent": ("跨越上级单元", "Crosses parent unit"),
    "col.grid_code": ("网格编码", "Grid code"),
    "col.town": ("街镇", "Town"),
    "col.district": ("区县", "District"),
    "col.grid": ("网格", "Grid"),
    "col.households": ("户数", "Households"),
    "col.population": ("人口", "Population"),
    "col.band": ("分档", "Band"),
    "col.workload": ("工作量指数", "Workload index"),
    "col.problem": ("问题", "Problem"),
    "col.grids": ("网格", "Grids"),
    "col.area_m2": ("面积（平方米）", "Area (m²)"),
    "col.unit": ("所属单元", "Unit"),
    # coverage
    "cv.title": ("设施覆盖与巡查", "Facility coverage and inspections"),
    "cv.kind": ("设施类型", "Facility kind"),
    "cv.circles": ("服务范围", "Service areas"),
    "cv.blind": ("覆盖盲区（有警情未覆盖的单元）", "Blind spots (cells with incidents, not covered)"),
    "cv.overdue": ("逾期未巡查", "Overdue inspections"),
    "cv.share": ("警情覆盖率", "Incidents covered"),
    "cv.gaps": ("覆盖空白", "Coverage gaps"),
    "cv.overlaps": ("重复覆盖", "Coverage overlaps"),
    "kind.police_station": ("派出所", "Police station"),
    "kind.shelter": ("应急避难场所", "Shelter"),
    "kind.mediation_room": ("调解室", "Mediation room"),
    "kind.camera": ("监控探头", "Camera"),
    "col.layer": ("对象", "Object"),
    "col.detail": ("说明", "Detail"),
    "col.risk": ("风险等级", "Risk level"),
    "col.last": ("上次巡查", "Last inspected"),
    "col.overdue_days": ("逾期天数", "Days overdue"),
    "layer.hazard": ("危险源", "Hazard source"),
    "layer.rental": ("出租房屋", "Rental housing"),
    # map layers
    "map.district": ("区县界", "Districts"),
    "map.town": ("街镇界", "Towns"),
}


def t(key: str, lang: str = DEFAULT, **fmt: object) -> str:
    """The label `key` in `lang` (zh or en), formatted with `fmt`."""
    zh, en = LABELS[key]
    text = en if lang == "en" else zh
    return text.format(**fmt) if fmt else text


def emerging_label(category: str, lang: str = DEFAULT) -> str:
    """Label of an emerging category such as `intensifying hot spot` / `new cold spot`."""
    cat = (category or "").lower()
    for base in ("new", "consecutive", "intensifying", "persistent", "diminishing",
                 "sporadic", "oscillating", "historical"):
        if base in cat:
            kind = t("em.cold" if "cold" in cat else "em.hot", lang)
            sep = " " if lang == "en" else ""
            return f"{t('em.' + base, lang)}{sep}{kind}"
    return t("em.none", lang)
