-- Substring search for contacts.list `search`: a trigram full-text index of the e-mail and of
-- "first last". Contentless (it stores the index only); the list query still applies the exact
-- LIKE condition to the contacts it finds, so results are those of a plain LIKE scan.
--
-- Kept up to date in bulk, not by an INSERT trigger: a trigger turns every contact INSERT into a
-- multi-write statement with a statement journal (4x slower imports), and FTS5 flushes a segment
-- at every statement savepoint. Instead:
--   * crm_state 'search.indexed' = the highest contact id the index has seen (ids only grow:
--     AUTOINCREMENT); contacts above it are new since;
--   * the triggers below queue contacts whose e-mail or name changed, or that were deleted;
--   * a search takes index matches + the queue + the new contacts as candidates (always correct);
--   * bulk writers and the maintenance service move both into the index in one statement
--     (syncSearchIndex in electron/core/crm/store.ts).
-- A later migration that rebuilds `contacts` (drizzle-kit's __new_contacts copy + rename) drops
-- these triggers and must create them again (tests/crm/search.test.ts checks that they exist).
CREATE VIRTUAL TABLE `contacts_search` USING fts5(email, name, tokenize = 'trigram', content = '', contentless_delete = 1);
--> statement-breakpoint
CREATE TABLE `contacts_search_pending` (`id` integer PRIMARY KEY NOT NULL);
--> statement-breakpoint
INSERT INTO `contacts_search` (rowid, email, name) SELECT id, email, COALESCE(first_name, '') || ' ' || COALESCE(last_name, '') FROM `contacts`;
--> statement-breakpoint
INSERT INTO `crm_state` (key, value) VALUES ('search.indexed', (SELECT CAST(COALESCE(MAX(id), 0) AS TEXT) FROM `contacts`))
  ON CONFLICT (key) DO UPDATE SET value = excluded.value;
--> statement-breakpoint
CREATE TRIGGER `contacts_search_update` AFTER UPDATE OF email, first_name, last_name ON `contacts`
WHEN old.email IS NOT new.email OR old.first_name IS NOT new.first_name OR old.last_name IS NOT new.last_name BEGIN
  INSERT OR IGNORE INTO `contacts_search_pending` (id) VALUES (new.id);
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_search_delete` AFTER DELETE ON `contacts` BEGIN
  INSERT OR IGNORE INTO `contacts_search_pending` (id) VALUES (old.id);
END;
