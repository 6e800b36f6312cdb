CREATE TABLE `product_grants` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`product_id` text NOT NULL,
	`contact_id` integer,
	`email` text NOT NULL,
	`source` text NOT NULL,
	`sale_id` text NOT NULL,
	`customer_id` text,
	`subscription_id` text,
	`amount_minor` integer,
	`currency` text,
	`license_key` text,
	`status` text DEFAULT 'active' NOT NULL,
	`granted_at` integer NOT NULL,
	`revoked_at` integer,
	`revoke_reason` text,
	`released` integer DEFAULT 0 NOT NULL,
	`drip_completed_at` integer,
	`upsell_sent_at` integer,
	`import_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `product_grants_sale` ON `product_grants` (`product_id`,`source`,`sale_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `product_grants_license` ON `product_grants` (`license_key`);--> statement-breakpoint
CREATE INDEX `product_grants_contact` ON `product_grants` (`contact_id`);--> statement-breakpoint
CREATE INDEX `product_grants_customer` ON `product_grants` (`customer_id`);--> statement-breakpoint
CREATE INDEX `product_grants_subscription` ON `product_grants` (`subscription_id`);--> statement-breakpoint
CREATE TABLE `products` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`access` text NOT NULL,
	`price_ids` text DEFAULT '[]' NOT NULL,
	`modules` text DEFAULT '[]' NOT NULL,
	`upsell` text,
	`link_days` integer DEFAULT 30 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
