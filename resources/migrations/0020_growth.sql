CREATE TABLE `growth_backlinks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`owner` text NOT NULL,
	`source_url` text NOT NULL,
	`source_domain` text NOT NULL,
	`target_url` text NOT NULL,
	`domain_rating` real,
	`anchor` text,
	`contact_email` text,
	`imported_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `growth_backlinks_unique` ON `growth_backlinks` (`owner`,`source_url`,`target_url`);--> statement-breakpoint
CREATE INDEX `growth_backlinks_domain` ON `growth_backlinks` (`source_domain`,`owner`);--> statement-breakpoint
CREATE TABLE `growth_campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`channel` text NOT NULL,
	`audience` text NOT NULL,
	`offer` text NOT NULL,
	`budget` real DEFAULT 0 NOT NULL,
	`spend` real DEFAULT 0 NOT NULL,
	`leads` integer DEFAULT 0 NOT NULL,
	`revenue` real DEFAULT 0 NOT NULL,
	`status` text NOT NULL,
	`started_on` text,
	`ended_on` text,
	`allocated` real,
	`targets` text,
	`sources` text DEFAULT '[]' NOT NULL,
	`expected_roi` real,
	`plan_item_id` integer,
	`off_track_on` text,
	`imported_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `growth_campaigns_status` ON `growth_campaigns` (`status`);--> statement-breakpoint
CREATE TABLE `growth_engines` (
	`engine` text PRIMARY KEY NOT NULL,
	`enabled` integer DEFAULT false NOT NULL,
	`priority` integer NOT NULL,
	`phase` text DEFAULT 'IDLE' NOT NULL,
	`phase_since` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`run_id` text,
	`figures` text DEFAULT '{}' NOT NULL,
	`last_cycle` text,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `growth_ideas` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`trend_id` integer,
	`item_id` integer,
	`title` text NOT NULL,
	`angle` text DEFAULT '' NOT NULL,
	`channel` text NOT NULL,
	`status` text DEFAULT 'idea' NOT NULL,
	`brief` text,
	`briefed_at` text,
	`day` text,
	`link` text,
	`outcome_at` text,
	`run_id` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`trend_id`) REFERENCES `growth_trends`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`item_id`) REFERENCES `growth_plan_items`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `growth_ideas_day` ON `growth_ideas` (`day`,`channel`);--> statement-breakpoint
CREATE INDEX `growth_ideas_created` ON `growth_ideas` (`created_at`);--> statement-breakpoint
CREATE TABLE `growth_keywords` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`keyword` text NOT NULL,
	`volume` integer,
	`difficulty` real,
	`cpc` real,
	`intent` text,
	`url` text,
	`position` real,
	`position_day` text,
	`source` text NOT NULL,
	`imported_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `growth_keywords_keyword` ON `growth_keywords` (`keyword`);--> statement-breakpoint
CREATE INDEX `growth_keywords_quick` ON `growth_keywords` (`position`,`difficulty`,`volume`);--> statement-breakpoint
CREATE TABLE `growth_learnings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`engine` text NOT NULL,
	`workflow_id` text,
	`run_id` text,
	`subject` text NOT NULL,
	`what_worked` text DEFAULT '' NOT NULL,
	`what_did_not` text DEFAULT '' NOT NULL,
	`confidence` real DEFAULT 0.5 NOT NULL,
	`evidence` text DEFAULT '{}' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`expires_at` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `growth_learnings_engine` ON `growth_learnings` (`engine`,`subject`);--> statement-breakpoint
CREATE INDEX `growth_learnings_workflow` ON `growth_learnings` (`workflow_id`,`id`);--> statement-breakpoint
CREATE TABLE `growth_locks` (
	`asset` text PRIMARY KEY NOT NULL,
	`engine` text NOT NULL,
	`run_id` text,
	`item_id` integer,
	`acquired_at` text NOT NULL,
	`expires_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `growth_opportunities` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`domain` text NOT NULL,
	`url` text NOT NULL,
	`type` text NOT NULL,
	`score` real NOT NULL,
	`domain_rating` real,
	`competitors` integer NOT NULL,
	`contact_email` text,
	`broken_target` text,
	`check_status` integer,
	`checked_at` text,
	`status` text DEFAULT 'new' NOT NULL,
	`contact_id` integer,
	`enrollment_id` integer,
	`outreach_at` text,
	`replied_at` text,
	`link_url` text,
	`verified_at` text,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`found_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `growth_opportunities_domain` ON `growth_opportunities` (`domain`);--> statement-breakpoint
CREATE INDEX `growth_opportunities_score` ON `growth_opportunities` (`status`,`score`);--> statement-breakpoint
CREATE TABLE `growth_pages` (
	`url` text PRIMARY KEY NOT NULL,
	`lastmod` text,
	`first_seen` text NOT NULL,
	`last_seen` text NOT NULL,
	`gone_at` text
);
--> statement-breakpoint
CREATE TABLE `growth_phases` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`engine` text NOT NULL,
	`run_id` text,
	`from_phase` text NOT NULL,
	`to_phase` text NOT NULL,
	`note` text,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `growth_phases_engine` ON `growth_phases` (`engine`,`id`);--> statement-breakpoint
CREATE TABLE `growth_plan_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`plan_id` integer NOT NULL,
	`engine` text NOT NULL,
	`ref` text NOT NULL,
	`title` text NOT NULL,
	`action` text NOT NULL,
	`priority` integer NOT NULL,
	`status` text DEFAULT 'planned' NOT NULL,
	`asset` text,
	`expected` text DEFAULT '{}' NOT NULL,
	`actual` text,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`detail` text DEFAULT '{}' NOT NULL,
	`sources` text DEFAULT '[]' NOT NULL,
	`reason` text,
	`run_id` text,
	`executed_at` text,
	`learned_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`plan_id`) REFERENCES `growth_plans`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `growth_plan_items_plan` ON `growth_plan_items` (`plan_id`,`priority`);--> statement-breakpoint
CREATE INDEX `growth_plan_items_engine` ON `growth_plan_items` (`engine`,`status`);--> statement-breakpoint
CREATE INDEX `growth_plan_items_ref` ON `growth_plan_items` (`engine`,`ref`);--> statement-breakpoint
CREATE TABLE `growth_plans` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`engine` text NOT NULL,
	`workflow_id` text,
	`run_id` text,
	`goal` text NOT NULL,
	`status` text DEFAULT 'planned' NOT NULL,
	`content` text,
	`learning_ids` text DEFAULT '[]' NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `growth_plans_engine` ON `growth_plans` (`engine`,`id`);--> statement-breakpoint
CREATE INDEX `growth_plans_workflow` ON `growth_plans` (`workflow_id`,`id`);--> statement-breakpoint
CREATE TABLE `growth_ranks` (
	`keyword_id` integer NOT NULL,
	`day` text NOT NULL,
	`position` real,
	`url` text,
	`clicks` integer,
	`impressions` integer,
	PRIMARY KEY(`keyword_id`, `day`),
	FOREIGN KEY (`keyword_id`) REFERENCES `growth_keywords`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `growth_ranks_day` ON `growth_ranks` (`day`);--> statement-breakpoint
CREATE TABLE `growth_serp` (
	`keyword_id` integer NOT NULL,
	`rank` integer NOT NULL,
	`url` text NOT NULL,
	`title_length` integer,
	`meta_length` integer,
	`word_count` integer,
	`headings` integer,
	PRIMARY KEY(`keyword_id`, `rank`),
	FOREIGN KEY (`keyword_id`) REFERENCES `growth_keywords`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `growth_sources` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`url` text,
	`status` text DEFAULT 'new' NOT NULL,
	`last_error` text,
	`last_fetch_at` text,
	`items` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `growth_state` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `growth_trend_points` (
	`trend_id` integer NOT NULL,
	`day` text NOT NULL,
	`value` real NOT NULL,
	PRIMARY KEY(`trend_id`, `day`),
	FOREIGN KEY (`trend_id`) REFERENCES `growth_trends`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `growth_trends` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`term` text NOT NULL,
	`label` text NOT NULL,
	`source_id` integer,
	`lifecycle` text DEFAULT 'STEADY' NOT NULL,
	`velocity` real DEFAULT 0 NOT NULL,
	`relevance` real DEFAULT 0 NOT NULL,
	`last_value` real DEFAULT 0 NOT NULL,
	`peak_value` real DEFAULT 0 NOT NULL,
	`first_seen` text NOT NULL,
	`emerging_at` text,
	`alerted_at` text,
	`samples` text DEFAULT '[]' NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`source_id`) REFERENCES `growth_sources`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `growth_trends_term` ON `growth_trends` (`term`);--> statement-breakpoint
CREATE INDEX `growth_trends_lifecycle` ON `growth_trends` (`lifecycle`,`relevance`);