"""The bot's message catalogues (one YAML per language); a package so that installs ship them."""
