"""The shifts service (`ukm.shifts.v1`): executors going on and off duty, who is on duty now,
and the history of shifts. Templates, planning and transfers arrive later on the same tables."""
