DROP INDEX `events_type_at`;--> statement-breakpoint
CREATE INDEX `events_type_at_subject` ON `events` (`type`,`at`,`subject_type`,`subject_id`);