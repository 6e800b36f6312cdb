DROP INDEX `contacts_created`;--> statement-breakpoint
DROP INDEX `contacts_stage`;--> statement-breakpoint
DROP INDEX `contacts_score`;--> statement-breakpoint
DROP INDEX `contacts_activity`;--> statement-breakpoint
CREATE INDEX `contacts_live_created` ON `contacts` (`created_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `contacts_live_updated` ON `contacts` (`updated_at`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `contacts_live_stage` ON `contacts` (`stage`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `contacts_live_score` ON `contacts` (`score`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `contacts_live_activity` ON `contacts` (`last_activity_at`) WHERE deleted_at IS NULL;