"""Fit advice: sizes, arch and rolling classes, the store's catalogue, rules and recommendations.

Entry points (plain functions, no side effects on import):
- sizes.foot_sizes / sizes.pair_sizes       -> the report's `size` block
- classes.arch_class / classes.rolling_class -> class objects with number, cut-offs, source
- catalogue.CatalogueStore / rules.RulesStore -> versioned uploads, atomic switch
- recommend.recommend                       -> items to fetch, with reasons, per shopper
- compare.compare_gait                      -> before/after rearfoot figures
- bench.catalogue_import_benchmark / bench.recommendation_mix -> `kiosk bench`
"""
