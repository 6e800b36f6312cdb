ALTER TABLE `affiliate_links` ADD `run_id` text;--> statement-breakpoint
CREATE INDEX `affiliate_links_run` ON `affiliate_links` (`run_id`);