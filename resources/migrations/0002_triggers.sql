CREATE TABLE `schedule_fires` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workflow_id` text NOT NULL,
	`fire_at` text NOT NULL,
	`status` text NOT NULL,
	`run_id` text,
	`late` integer DEFAULT false NOT NULL,
	`error` text,
	`claimed_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`started_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `schedule_fires_wf_fire` ON `schedule_fires` (`workflow_id`,`fire_at`);--> statement-breakpoint
CREATE INDEX `schedule_fires_status` ON `schedule_fires` (`status`);--> statement-breakpoint
CREATE TABLE `schedule_state` (
	`workflow_id` text PRIMARY KEY NOT NULL,
	`spec` text NOT NULL,
	`handled_until` text NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`updated_at` text NOT NULL
);
