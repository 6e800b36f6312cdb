CREATE TABLE `billing_charges` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text,
	`payment_intent` text,
	`amount` integer NOT NULL,
	`amount_refunded` integer DEFAULT 0 NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`refunded` integer DEFAULT false NOT NULL,
	`created` integer NOT NULL,
	`as_of` integer NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `billing_charges_created` ON `billing_charges` (`created`);--> statement-breakpoint
CREATE INDEX `billing_charges_customer` ON `billing_charges` (`customer_id`);--> statement-breakpoint
CREATE TABLE `billing_customers` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text,
	`name` text,
	`contact_id` integer,
	`company_id` integer,
	`delinquent` integer DEFAULT false NOT NULL,
	`deleted` integer DEFAULT false NOT NULL,
	`livemode` integer DEFAULT false NOT NULL,
	`created` integer NOT NULL,
	`as_of` integer NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `billing_customers_email` ON `billing_customers` (`email`);--> statement-breakpoint
CREATE INDEX `billing_customers_contact` ON `billing_customers` (`contact_id`);--> statement-breakpoint
CREATE TABLE `billing_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`created` integer NOT NULL,
	`source` text NOT NULL,
	`outcome` text NOT NULL,
	`received_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `billing_events_created` ON `billing_events` (`created`);--> statement-breakpoint
CREATE TABLE `billing_invoices` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text,
	`subscription_id` text,
	`number` text,
	`status` text NOT NULL,
	`currency` text NOT NULL,
	`amount_due` integer NOT NULL,
	`amount_paid` integer NOT NULL,
	`amount_remaining` integer NOT NULL,
	`attempt_count` integer DEFAULT 0 NOT NULL,
	`hosted_invoice_url` text,
	`due_date` integer,
	`next_payment_attempt` integer,
	`paid_at` integer,
	`first_failed_at` integer,
	`failed_recorded` integer DEFAULT 0 NOT NULL,
	`paid_recorded` integer DEFAULT false NOT NULL,
	`overdue_recorded_at` integer,
	`created` integer NOT NULL,
	`as_of` integer NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `billing_invoices_customer` ON `billing_invoices` (`customer_id`);--> statement-breakpoint
CREATE INDEX `billing_invoices_status_due` ON `billing_invoices` (`status`,`due_date`);--> statement-breakpoint
CREATE INDEX `billing_invoices_failed` ON `billing_invoices` (`first_failed_at`);--> statement-breakpoint
CREATE TABLE `billing_prices` (
	`id` text PRIMARY KEY NOT NULL,
	`product_id` text,
	`nickname` text,
	`currency` text NOT NULL,
	`unit_amount` integer,
	`interval` text,
	`interval_count` integer,
	`active` integer DEFAULT true NOT NULL,
	`created` integer NOT NULL,
	`as_of` integer NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `billing_products` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text,
	`active` integer DEFAULT true NOT NULL,
	`created` integer NOT NULL,
	`as_of` integer NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `billing_state` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `billing_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`status` text NOT NULL,
	`price_id` text,
	`quantity` integer DEFAULT 1 NOT NULL,
	`currency` text NOT NULL,
	`mrr` integer DEFAULT 0 NOT NULL,
	`current_period_start` integer,
	`current_period_end` integer,
	`cancel_at` integer,
	`cancel_at_period_end` integer DEFAULT false NOT NULL,
	`canceled_at` integer,
	`ended_at` integer,
	`start_date` integer NOT NULL,
	`pause_behavior` text,
	`started_recorded` integer DEFAULT false NOT NULL,
	`created` integer NOT NULL,
	`as_of` integer NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `billing_subscriptions_customer` ON `billing_subscriptions` (`customer_id`);--> statement-breakpoint
CREATE INDEX `billing_subscriptions_status` ON `billing_subscriptions` (`status`);--> statement-breakpoint
CREATE INDEX `billing_subscriptions_ended` ON `billing_subscriptions` (`ended_at`);