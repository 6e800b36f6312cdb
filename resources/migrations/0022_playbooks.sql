CREATE TABLE `playbook_conflicts` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`phase_id` text NOT NULL,
	`step_id` text,
	`kind` text NOT NULL,
	`raised_by` text NOT NULL,
	`topic` text NOT NULL,
	`positions` text NOT NULL,
	`files` text NOT NULL,
	`status` text NOT NULL,
	`decision` text,
	`rerun` text DEFAULT '[]' NOT NULL,
	`raised_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `playbook_conflicts_run` ON `playbook_conflicts` (`run_id`);--> statement-breakpoint
CREATE TABLE `playbook_phases` (
	`run_id` text NOT NULL,
	`phase_id` text NOT NULL,
	`status` text NOT NULL,
	`branch` text,
	`base_commit` text,
	`merge_commit` text,
	`gate` text,
	`started_at` text,
	`finished_at` text,
	PRIMARY KEY(`run_id`, `phase_id`)
);
--> statement-breakpoint
CREATE TABLE `playbook_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`playbook_id` text NOT NULL,
	`definition` text NOT NULL,
	`mode` text NOT NULL,
	`scenario` text,
	`role` text,
	`task` text,
	`config` text NOT NULL,
	`plan` text NOT NULL,
	`status` text NOT NULL,
	`waiting_for` text,
	`workflow_run_id` text,
	`error` text,
	`started_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`finished_at` text
);
--> statement-breakpoint
CREATE INDEX `playbook_runs_playbook` ON `playbook_runs` (`playbook_id`,`started_at`);--> statement-breakpoint
CREATE TABLE `playbook_steps` (
	`run_id` text NOT NULL,
	`step_id` text NOT NULL,
	`phase_id` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`files` text,
	`role_status` text,
	`request` text,
	`commit_oid` text,
	`error` text,
	`started_at` text,
	`finished_at` text,
	PRIMARY KEY(`run_id`, `step_id`)
);
--> statement-breakpoint
CREATE TABLE `playbooks` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`built_in` integer DEFAULT 0 NOT NULL,
	`format` text NOT NULL,
	`source` text NOT NULL,
	`definition` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
