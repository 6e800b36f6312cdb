CREATE TABLE `crm_counts` (
	`key` text PRIMARY KEY NOT NULL,
	`n` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
-- Hand-written (not generated): fill the counts, and the triggers that keep them in the same
-- transaction as every write of a contact (an insert, a hard delete, a soft delete, a restore,
-- a merge). A later migration that rebuilds `contacts` (drizzle-kit's __new_contacts copy +
-- rename) drops these triggers and must create them again (tests/crm/counts.test.ts checks them).
INSERT INTO `crm_counts` (key, n) VALUES
  ('contacts.live', (SELECT COUNT(*) FROM `contacts` WHERE deleted_at IS NULL)),
  ('contacts.deleted', (SELECT COUNT(*) FROM `contacts` WHERE deleted_at IS NOT NULL AND merged_into IS NULL));
--> statement-breakpoint
CREATE TRIGGER `contacts_count_insert` AFTER INSERT ON `contacts` BEGIN
  UPDATE `crm_counts` SET n = n + 1 WHERE key = CASE WHEN new.deleted_at IS NULL THEN 'contacts.live' WHEN new.merged_into IS NULL THEN 'contacts.deleted' END;
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_count_delete` AFTER DELETE ON `contacts` BEGIN
  UPDATE `crm_counts` SET n = n - 1 WHERE key = CASE WHEN old.deleted_at IS NULL THEN 'contacts.live' WHEN old.merged_into IS NULL THEN 'contacts.deleted' END;
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_count_update` AFTER UPDATE OF deleted_at, merged_into ON `contacts`
WHEN (old.deleted_at IS NULL) IS NOT (new.deleted_at IS NULL) OR (old.merged_into IS NULL) IS NOT (new.merged_into IS NULL) BEGIN
  UPDATE `crm_counts` SET n = n - 1 WHERE key = CASE WHEN old.deleted_at IS NULL THEN 'contacts.live' WHEN old.merged_into IS NULL THEN 'contacts.deleted' END;
  UPDATE `crm_counts` SET n = n + 1 WHERE key = CASE WHEN new.deleted_at IS NULL THEN 'contacts.live' WHEN new.merged_into IS NULL THEN 'contacts.deleted' END;
END;
