"""Per-flow message catalogues (en); a package so that installs ship them."""
