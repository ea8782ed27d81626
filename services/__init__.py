"""UKM services: one package per service, plus `kit`, the shared runtime."""
