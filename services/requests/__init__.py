"""The requests service (`ukm.requests.v1`): maintenance requests, numbering, and their events."""
