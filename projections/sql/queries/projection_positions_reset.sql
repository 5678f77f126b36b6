-- Reset, not delete: a projector batch waiting on these rows (FOR UPDATE) must find them again
-- once the rebuild commits, with the rebuild's positions, instead of finding nothing and
-- re-applying older events over the rebuilt rows.
UPDATE vault.projection_positions SET stream_version = 0 WHERE projection = $1;
