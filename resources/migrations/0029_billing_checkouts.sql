CREATE TABLE `billing_checkouts` (
	`id` text PRIMARY KEY NOT NULL,
	`payment_intent` text,
	`customer_id` text,
	`email` text,
	`contact_id` integer,
	`mode` text NOT NULL,
	`payment_status` text NOT NULL,
	`invoice_id` text,
	`amount_total` integer NOT NULL,
	`currency` text NOT NULL,
	`price_ids` text DEFAULT '[]' NOT NULL,
	`paid_recorded` integer DEFAULT false NOT NULL,
	`created` integer NOT NULL,
	`as_of` integer NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `billing_checkouts_payment_intent` ON `billing_checkouts` (`payment_intent`);--> statement-breakpoint
CREATE INDEX `billing_checkouts_customer` ON `billing_checkouts` (`customer_id`);