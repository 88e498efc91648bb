"""The Flask front end (pages + JSON API) and the `report-search` command line.

Kept free of imports so that `report-search query` starts without loading Flask: the app
factory is `report_search.web.app.create_app`.
"""
