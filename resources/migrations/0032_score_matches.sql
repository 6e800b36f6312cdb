CREATE TABLE `crm_score_conditions` (
	`id` integer PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`upto` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `crm_score_conditions_key_unique` ON `crm_score_conditions` (`key`);--> statement-breakpoint
CREATE TABLE `crm_score_matches` (
	`cond` integer NOT NULL,
	`at` text NOT NULL,
	`contact_id` integer NOT NULL,
	`event_id` integer NOT NULL,
	PRIMARY KEY(`cond`, `at`, `contact_id`, `event_id`)
);
--> statement-breakpoint
-- Hand-written: crm_score_matches WITHOUT ROWID (drizzle cannot declare it), so its key is its only b-tree.
-- No backfill here: the conditions come from the stored scoring rules (JSON); crm/score-matches.ts fills
-- each condition from the events table (upto = 0) the first time its rules re-score everyone.
DROP TABLE `crm_score_matches`;--> statement-breakpoint
CREATE TABLE `crm_score_matches` (
	`cond` integer NOT NULL,
	`at` text NOT NULL,
	`contact_id` integer NOT NULL,
	`event_id` integer NOT NULL,
	PRIMARY KEY(`cond`, `at`, `contact_id`, `event_id`)
) WITHOUT ROWID;
