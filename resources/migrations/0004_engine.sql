CREATE TABLE `approvals` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`step_id` integer NOT NULL,
	`workflow_id` text NOT NULL,
	`node_id` text NOT NULL,
	`title` text NOT NULL,
	`payload` text,
	`confidence` real,
	`reason` text,
	`status` text NOT NULL,
	`decided_payload` text,
	`decided_by` text,
	`decided_at` text,
	`decision_reason` text,
	`expires_at` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `approvals_step` ON `approvals` (`step_id`);--> statement-breakpoint
CREATE INDEX `approvals_status` ON `approvals` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `engine_instances` (
	`id` text PRIMARY KEY NOT NULL,
	`pid` integer NOT NULL,
	`started_at` integer NOT NULL,
	`heartbeat_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `escalations` (
	`id` text PRIMARY KEY NOT NULL,
	`severity` text NOT NULL,
	`title` text NOT NULL,
	`detail` text NOT NULL,
	`run_id` text,
	`workflow_id` text,
	`key` text,
	`created_at` text NOT NULL,
	`acknowledged_at` text,
	`acknowledged_by` text
);
--> statement-breakpoint
CREATE INDEX `escalations_created` ON `escalations` (`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `escalations_key` ON `escalations` (`key`);--> statement-breakpoint
CREATE TABLE `learnings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workflow_id` text NOT NULL,
	`run_id` text,
	`text` text NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `learnings_workflow` ON `learnings` (`workflow_id`,`id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`run_id` text NOT NULL,
	`node_id` text NOT NULL,
	`kind` text NOT NULL,
	`request` text,
	`status` text NOT NULL,
	`response` text,
	`sends` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`sent_at` text,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_key` ON `outbox` (`key`);--> statement-breakpoint
CREATE INDEX `outbox_run` ON `outbox` (`run_id`);--> statement-breakpoint
CREATE TABLE `plans` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workflow_id` text NOT NULL,
	`run_id` text,
	`title` text NOT NULL,
	`content` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `plans_workflow` ON `plans` (`workflow_id`,`id`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`workflow_id` text NOT NULL,
	`version` integer NOT NULL,
	`scope` text DEFAULT '' NOT NULL,
	`status` text NOT NULL,
	`phase` text,
	`input` text,
	`output` text,
	`error` text,
	`trigger` text NOT NULL,
	`subject` text,
	`idempotency_key` text,
	`parent_run_id` text,
	`parent_step_id` integer,
	`deadline` integer,
	`created_at` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	`seq` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `runs_workflow_status` ON `runs` (`workflow_id`,`status`,`seq`);--> statement-breakpoint
CREATE INDEX `runs_status_finished` ON `runs` (`status`,`finished_at`);--> statement-breakpoint
CREATE INDEX `runs_created` ON `runs` (`seq`);--> statement-breakpoint
CREATE INDEX `runs_parent` ON `runs` (`parent_run_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `runs_idem` ON `runs` (`workflow_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `runs_subject` ON `runs` (`workflow_id`,`subject`,`status`);--> statement-breakpoint
CREATE TABLE `steps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` text NOT NULL,
	`node_id` text NOT NULL,
	`status` text NOT NULL,
	`branch` text,
	`input` text,
	`output` text,
	`error` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`history` text,
	`state` text,
	`resume` text,
	`wake` integer DEFAULT 0 NOT NULL,
	`wait_event` text,
	`waiting_for` text,
	`claimed_by` text,
	`created_at` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `steps_run_node` ON `steps` (`run_id`,`node_id`);--> statement-breakpoint
CREATE INDEX `steps_ready` ON `steps` (`id`) WHERE status = 'ready';--> statement-breakpoint
CREATE INDEX `steps_status` ON `steps` (`status`);--> statement-breakpoint
CREATE INDEX `steps_wait_event` ON `steps` (`wait_event`);--> statement-breakpoint
CREATE TABLE `timers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`due_at` integer NOT NULL,
	`kind` text NOT NULL,
	`run_id` text NOT NULL,
	`step_id` integer,
	`payload` text,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `timers_due` ON `timers` (`due_at`);--> statement-breakpoint
CREATE INDEX `timers_step` ON `timers` (`step_id`);--> statement-breakpoint
CREATE TABLE `workflow_versions` (
	`workflow_id` text NOT NULL,
	`version` integer NOT NULL,
	`definition` text NOT NULL,
	`hash` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`workflow_id`, `version`),
	FOREIGN KEY (`workflow_id`) REFERENCES `workflows`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `workflows` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`enabled` integer DEFAULT true NOT NULL,
	`current_version` integer NOT NULL,
	`trigger_type` text NOT NULL,
	`trigger_key` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `workflows_trigger` ON `workflows` (`trigger_type`,`trigger_key`);