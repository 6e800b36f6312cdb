ALTER TABLE `steps` ADD `deaths` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `steps_suspect` ON `steps` (`id`) WHERE deaths > 0;