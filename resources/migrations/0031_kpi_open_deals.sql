CREATE TABLE `kpi_open_deals` (
	`stage` text NOT NULL,
	`currency` text NOT NULL,
	`day` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	`value` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`stage`, `currency`, `day`)
);
--> statement-breakpoint
CREATE INDEX `deals_won_since` ON `deals` (`won_at`,`lost_at`,`opened_at`,`currency`,`value`) WHERE won_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `deals_lost_since` ON `deals` (`lost_at`,`won_at`,`opened_at`,`currency`,`value`) WHERE lost_at IS NOT NULL;--> statement-breakpoint
-- Hand-written (not generated): kpi_open_deals follows every write of a deal through the
-- triggers below (insert, delete, and an update of what it sums: a stage move, a new value, a
-- close). Triggers, not code in the writers: deals are written one at a time (no bulk import;
-- the demo seed is the only bulk writer), so a statement journal per insert costs nothing that
-- matters, and no writer of a deal can forget it. Rows whose count drops to 0 stay (read with
-- HAVING SUM(n) > 0).
CREATE TRIGGER `kpi_open_deals_insert` AFTER INSERT ON `deals` WHEN new.won_at IS NULL AND new.lost_at IS NULL BEGIN
  INSERT INTO `kpi_open_deals` (stage, currency, day, n, value) VALUES (new.stage, new.currency, substr(new.opened_at, 1, 10), 1, new.value)
    ON CONFLICT (stage, currency, day) DO UPDATE SET n = n + 1, value = value + excluded.value;
END;
--> statement-breakpoint
CREATE TRIGGER `kpi_open_deals_delete` AFTER DELETE ON `deals` WHEN old.won_at IS NULL AND old.lost_at IS NULL BEGIN
  UPDATE `kpi_open_deals` SET n = n - 1, value = value - old.value WHERE stage = old.stage AND currency = old.currency AND day = substr(old.opened_at, 1, 10);
END;
--> statement-breakpoint
CREATE TRIGGER `kpi_open_deals_update` AFTER UPDATE OF stage, currency, value, opened_at, won_at, lost_at ON `deals` BEGIN
  UPDATE `kpi_open_deals` SET n = n - 1, value = value - old.value
    WHERE old.won_at IS NULL AND old.lost_at IS NULL AND stage = old.stage AND currency = old.currency AND day = substr(old.opened_at, 1, 10);
  INSERT INTO `kpi_open_deals` (stage, currency, day, n, value) SELECT new.stage, new.currency, substr(new.opened_at, 1, 10), 1, new.value
    WHERE new.won_at IS NULL AND new.lost_at IS NULL
    ON CONFLICT (stage, currency, day) DO UPDATE SET n = n + 1, value = value + excluded.value;
END;
--> statement-breakpoint
-- Backfill: the deals open now.
INSERT INTO `kpi_open_deals` (stage, currency, day, n, value)
  SELECT stage, currency, substr(opened_at, 1, 10), COUNT(*), SUM(value) FROM `deals` WHERE won_at IS NULL AND lost_at IS NULL GROUP BY 1, 2, 3;
