DROP INDEX `steps_status`;--> statement-breakpoint
CREATE INDEX `steps_running` ON `steps` (`claimed_by`) WHERE status = 'running';--> statement-breakpoint
CREATE INDEX `timers_run` ON `timers` (`run_id`);