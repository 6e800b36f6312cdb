DROP INDEX `runs_parent`;--> statement-breakpoint
DROP INDEX `runs_idem`;--> statement-breakpoint
DROP INDEX `runs_subject`;--> statement-breakpoint
CREATE INDEX `runs_parent` ON `runs` (`parent_run_id`) WHERE parent_run_id IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `runs_idem` ON `runs` (`workflow_id`,`idempotency_key`) WHERE idempotency_key IS NOT NULL;--> statement-breakpoint
CREATE INDEX `runs_subject` ON `runs` (`workflow_id`,`subject`,`status`) WHERE subject IS NOT NULL;--> statement-breakpoint
DROP INDEX `steps_wait_event`;--> statement-breakpoint
CREATE INDEX `steps_wait_event` ON `steps` (`wait_event`) WHERE wait_event IS NOT NULL;