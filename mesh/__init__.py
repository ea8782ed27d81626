"""The mesh: topology, PKI, Envoy configuration, embedded infrastructure and the local supervisor."""
