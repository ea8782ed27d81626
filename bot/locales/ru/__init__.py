"""Per-flow message catalogues (ru); a package so that installs ship them."""
