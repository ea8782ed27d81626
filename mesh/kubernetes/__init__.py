"""Kubernetes manifests rendered from the topology: a kustomize base and dev/prod overlays.

`python -m mesh.kubernetes` (re)writes every generated file under `k8s/`; `--check` only reports
what differs (the tests fail on a stale manifest). Nothing under `k8s/base` or in the overlays'
kustomizations is edited by hand: add a service to `mesh/topology.yaml` and render.

What is rendered, per topology service: ServiceAccount, headless Service (named `grpc` and `ops`
ports; headless so that Envoy balances HTTP/2 over every pod rather than one ClusterIP
connection), Deployment (migrations and JetStream streams as init containers, probes on the ops
port, restricted security context, mTLS material mounted at `UKM_PKI_DIR` from the Secret
`pki-<name>`), ConfigMap of `UKM_*` settings, PodDisruptionBudget, HorizontalPodAutoscaler.
Besides: the Envoy gateway (its bootstrap from `mesh.envoy.render_envoy_config`), a 3-node NATS
JetStream StatefulSet, NetworkPolicies (default deny plus exactly the topology's flows), and in
the overlays: dev PostgreSQL/Redis and generated Secrets (kind), cert-manager certificates,
replicas and anti-affinity (prod). Secrets are only referenced, never committed with values.

Two more commands exist for the cluster itself: `dev-secrets` writes the dev overlay's Secret
files (PKI from `mesh.pki.ensure_pki`, random passwords) into a git-ignored folder, and `streams`
creates the JetStream streams (an init container of every service that has a stream).
"""
