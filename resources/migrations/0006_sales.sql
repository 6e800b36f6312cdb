CREATE TABLE `deal_stages` (
	`deal_id` integer PRIMARY KEY NOT NULL,
	`stage` text NOT NULL,
	`entered_at` integer NOT NULL,
	`stale_alerted_at` integer
);
--> statement-breakpoint
CREATE TABLE `email_inbound` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`inbound_id` text NOT NULL,
	`kind` text NOT NULL,
	`matched_message_id` text,
	`contact_id` integer,
	`subject` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_inbound_id` ON `email_inbound` (`inbound_id`);--> statement-breakpoint
CREATE TABLE `email_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`message_id` text NOT NULL,
	`contact_id` integer,
	`to_addr` text NOT NULL,
	`subject` text NOT NULL,
	`kind` text DEFAULT 'marketing' NOT NULL,
	`status` text NOT NULL,
	`skip_reason` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`run_id` text,
	`enrollment_id` integer,
	`sequence_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_messages_key` ON `email_messages` (`key`);--> statement-breakpoint
CREATE UNIQUE INDEX `email_messages_mid` ON `email_messages` (`message_id`);--> statement-breakpoint
CREATE INDEX `email_messages_contact_sent` ON `email_messages` (`contact_id`,`sent_at`);--> statement-breakpoint
CREATE INDEX `email_messages_seq_sent` ON `email_messages` (`sequence_id`,`sent_at`);--> statement-breakpoint
CREATE TABLE `enrollments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sequence_id` text NOT NULL,
	`contact_id` integer NOT NULL,
	`status` text NOT NULL,
	`step_index` integer DEFAULT 0 NOT NULL,
	`next_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`exit_reason` text,
	`enrolled_at` text NOT NULL,
	`finished_at` text,
	FOREIGN KEY (`sequence_id`) REFERENCES `sequences`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `enrollments_one_active` ON `enrollments` (`sequence_id`,`contact_id`) WHERE status = 'active';--> statement-breakpoint
CREATE INDEX `enrollments_due` ON `enrollments` (`status`,`next_at`);--> statement-breakpoint
CREATE INDEX `enrollments_contact` ON `enrollments` (`contact_id`,`status`);--> statement-breakpoint
CREATE TABLE `sales_state` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sequences` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`definition` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `suppressions` (
	`email` text PRIMARY KEY NOT NULL,
	`reason` text NOT NULL,
	`source` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`title` text NOT NULL,
	`contact_id` integer,
	`deal_id` integer,
	`source` text NOT NULL,
	`key` text,
	`status` text DEFAULT 'open' NOT NULL,
	`due_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`done_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tasks_key` ON `tasks` (`key`);--> statement-breakpoint
CREATE INDEX `tasks_status` ON `tasks` (`status`,`created_at`);