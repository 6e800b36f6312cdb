CREATE TABLE `finance_monthly` (
	`currency` text NOT NULL,
	`month` text NOT NULL,
	`category` text NOT NULL,
	`client` text NOT NULL,
	`positive` integer NOT NULL,
	`amount` integer NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`currency`, `month`, `category`, `client`, `positive`)
);
--> statement-breakpoint
-- Hand-written (not generated): fill the monthly summary from the transactions stored so far.
-- From here on every insert, update and delete of a transaction changes it in its own
-- transaction (electron/core/finance/store.ts `FinanceStore.write`; not triggers: a row trigger
-- makes each INSERT of a bulk import open a statement journal, see 0023_contact_counts.sql).
INSERT INTO `finance_monthly` (currency, month, category, client, positive, amount, n)
  SELECT currency, substr(date, 1, 7), COALESCE(category, ''), COALESCE(client, ''), amount > 0, SUM(amount), COUNT(*)
  FROM `finance_transactions` GROUP BY 1, 2, 3, 4, 5;
