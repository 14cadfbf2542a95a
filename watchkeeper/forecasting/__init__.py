"""Geographic crime-hotspot forecasting, measured against counting.

Recorded crime is imported with every rejected row counted (:mod:`.crime_import`), laid on a grid of square cells
over a study area (:mod:`.grid`), forecast by methods behind one interface (:mod:`.methods`) and evaluated by hit
rate and PAI with intervals, always beside the best naive baseline (:mod:`.scoring`). The literature's gains over
good naive baselines are modest, so the value of these figures is in showing when a method is no better than
counting.
"""
