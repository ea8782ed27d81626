"""Per-flow message catalogues (uz); a package so that installs ship them."""
