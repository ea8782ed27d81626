"""The mesh: topology, PKI, Envoy configuration, embedded infrastructure, the local supervisor."""
