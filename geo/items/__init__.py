"""The grid service-item list (网格服务管理事项清单) and the workload it implies.

`catalogue` (pure): the list's columns, layers and frequencies, and the check of a list
read from a file; `workload` (pure): hours a month per grid and per item; `store`: the
list's revisions in PostGIS (audited), the default list in `data/service_items.csv`.
"""
