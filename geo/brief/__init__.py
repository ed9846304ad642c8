"""The meeting brief: one A4 page in Chinese for a week or a month of incidents.

`store.gather` reads what the page shows (`data.BriefData`) from PostGIS (KPIs against the previous
period, the hot cells, the top areas by name, grids out of band, the coverage gaps of
the latest stored `coverage facilities` run, the data's stamp and source batches, the
registered base map's features); `page.figure` lays it out as one plotly figure (the
map in the city's metric CRS with place names, a scale bar and a north arrow);
`pdf.write` prints it with kaleido.
"""
