CREATE TABLE `finance_ai_daily` (
	`day` text NOT NULL,
	`client` text NOT NULL,
	`cost_usd` real NOT NULL,
	`calls` integer NOT NULL,
	PRIMARY KEY(`day`, `client`)
);
--> statement-breakpoint
CREATE TABLE `finance_categories` (
	`name` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `finance_imports` (
	`id` text PRIMARY KEY NOT NULL,
	`source_id` integer NOT NULL,
	`file` text,
	`rows` integer NOT NULL,
	`imported` integer NOT NULL,
	`duplicates` integer NOT NULL,
	`invalid` integer NOT NULL,
	`errors` text NOT NULL,
	`at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`source_id`) REFERENCES `finance_sources`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `finance_imports_source` ON `finance_imports` (`source_id`,`at`);--> statement-breakpoint
CREATE TABLE `finance_rules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`contains` text NOT NULL,
	`category` text NOT NULL,
	`client` text,
	`position` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`category`) REFERENCES `finance_categories`(`name`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `finance_rules_position` ON `finance_rules` (`position`);--> statement-breakpoint
CREATE TABLE `finance_sources` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`mapping` text,
	`currency` text,
	`last_import_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `finance_sources_name` ON `finance_sources` (`name_key`);--> statement-breakpoint
CREATE TABLE `finance_state` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `finance_transactions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source_id` integer NOT NULL,
	`import_id` text,
	`date` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`description` text NOT NULL,
	`account` text NOT NULL,
	`category` text,
	`category_by` text,
	`client` text,
	`client_by` text,
	`hash` text NOT NULL,
	`line` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`source_id`) REFERENCES `finance_sources`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `finance_transactions_hash` ON `finance_transactions` (`hash`);--> statement-breakpoint
CREATE INDEX `finance_transactions_pnl` ON `finance_transactions` (`currency`,`date`,`category`,`client`,`amount`);--> statement-breakpoint
CREATE INDEX `finance_transactions_source` ON `finance_transactions` (`source_id`,`date`);--> statement-breakpoint
CREATE TABLE `report_definitions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`client` text NOT NULL,
	`title` text NOT NULL,
	`recipient` text,
	`sections` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `report_definitions_client` ON `report_definitions` (`client`);--> statement-breakpoint
CREATE TABLE `report_metrics` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`client` text NOT NULL,
	`source` text NOT NULL,
	`metric` text NOT NULL,
	`day` text NOT NULL,
	`value` real NOT NULL,
	`imported_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `report_metrics_key` ON `report_metrics` (`client`,`metric`,`source`,`day`);--> statement-breakpoint
CREATE TABLE `report_renders` (
	`id` text PRIMARY KEY NOT NULL,
	`definition_id` integer,
	`client` text NOT NULL,
	`title` text NOT NULL,
	`period_from` text NOT NULL,
	`period_to` text NOT NULL,
	`path` text NOT NULL,
	`pages` integer NOT NULL,
	`bytes` integer NOT NULL,
	`sha256` text NOT NULL,
	`missing` text NOT NULL,
	`render_ms` real NOT NULL,
	`run_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `report_renders_client` ON `report_renders` (`client`,`created_at`);