CREATE TABLE `run_responses` (
	`run_id` text PRIMARY KEY NOT NULL,
	`from_run_id` text NOT NULL,
	`node_id` text NOT NULL,
	`status` integer NOT NULL,
	`headers` text NOT NULL,
	`body` text,
	`redirect` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `forms` ADD `redirect` text;--> statement-breakpoint
ALTER TABLE `forms` ADD `respond` text;