CREATE TABLE `segment_members` (
	`segment_id` integer NOT NULL,
	`contact_id` integer NOT NULL,
	`entered_at` text NOT NULL,
	PRIMARY KEY(`segment_id`, `contact_id`),
	FOREIGN KEY (`segment_id`) REFERENCES `segments`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `segment_members_contact` ON `segment_members` (`contact_id`);--> statement-breakpoint
ALTER TABLE `segments` ADD `members_at` text;