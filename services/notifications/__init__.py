"""The notifications service (`ukm.notifications.v1`) — channel layer so far."""
