"""The optional base map: a vector-tile archive (PMTiles or MBTiles) from the city's GIS
unit — roads, water, buildings — drawn under every map.

`archive` reads the two formats, `store` keeps the registered copies, `style` (pure)
draws an archive's layers in pale colours, `features` (pure) decodes tiles into
geometries for maps drawn without MapLibre (the meeting brief).
"""
