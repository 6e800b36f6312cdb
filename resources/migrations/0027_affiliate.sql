CREATE TABLE `affiliate_clicks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`link_id` integer NOT NULL,
	`day` text NOT NULL,
	`at` text NOT NULL,
	`machine` integer NOT NULL,
	`reason` text,
	`user_agent` text,
	`referrer` text,
	FOREIGN KEY (`link_id`) REFERENCES `affiliate_links`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `affiliate_clicks_link_day` ON `affiliate_clicks` (`link_id`,`day`,`machine`);--> statement-breakpoint
CREATE INDEX `affiliate_clicks_day` ON `affiliate_clicks` (`day`);--> statement-breakpoint
CREATE TABLE `affiliate_commissions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source_id` integer NOT NULL,
	`import_id` text NOT NULL,
	`key` text NOT NULL,
	`program_id` integer,
	`link_id` integer,
	`matched_by` text,
	`date` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`sale` integer,
	`sub_id` text,
	`transaction_id` text,
	`line` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`source_id`) REFERENCES `affiliate_sources`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`program_id`) REFERENCES `affiliate_programs`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`link_id`) REFERENCES `affiliate_links`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `affiliate_commissions_key` ON `affiliate_commissions` (`source_id`,`key`);--> statement-breakpoint
CREATE INDEX `affiliate_commissions_date` ON `affiliate_commissions` (`currency`,`date`,`status`);--> statement-breakpoint
CREATE INDEX `affiliate_commissions_link` ON `affiliate_commissions` (`link_id`,`date`);--> statement-breakpoint
CREATE INDEX `affiliate_commissions_program` ON `affiliate_commissions` (`program_id`,`date`);--> statement-breakpoint
CREATE TABLE `affiliate_costs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`date` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`link_id` integer,
	`program_id` integer,
	`content` text,
	`note` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`link_id`) REFERENCES `affiliate_links`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`program_id`) REFERENCES `affiliate_programs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `affiliate_costs_date` ON `affiliate_costs` (`currency`,`date`);--> statement-breakpoint
CREATE TABLE `affiliate_imports` (
	`id` text PRIMARY KEY NOT NULL,
	`source_id` integer NOT NULL,
	`file` text,
	`rows` integer NOT NULL,
	`imported` integer NOT NULL,
	`updated` integer NOT NULL,
	`duplicates` integer NOT NULL,
	`invalid` integer NOT NULL,
	`errors` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`source_id`) REFERENCES `affiliate_sources`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `affiliate_links` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`program_id` integer NOT NULL,
	`slug` text NOT NULL,
	`destination` text NOT NULL,
	`content` text,
	`note` text,
	`archived_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`program_id`) REFERENCES `affiliate_programs`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `affiliate_links_slug` ON `affiliate_links` (`slug`);--> statement-breakpoint
CREATE INDEX `affiliate_links_program` ON `affiliate_links` (`program_id`);--> statement-breakpoint
CREATE INDEX `affiliate_links_content` ON `affiliate_links` (`content`);--> statement-breakpoint
CREATE TABLE `affiliate_programs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`network` text,
	`commission` text,
	`cookie_days` integer,
	`sub_id_param` text,
	`payout_match` text,
	`notes` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `affiliate_programs_name` ON `affiliate_programs` (`name_key`);--> statement-breakpoint
CREATE TABLE `affiliate_sources` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`mapping` text,
	`program_id` integer,
	`currency` text,
	`last_import_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`program_id`) REFERENCES `affiliate_programs`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `affiliate_sources_name` ON `affiliate_sources` (`name_key`);