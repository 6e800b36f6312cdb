-- Substring search for contacts.list `search`: a trigram full-text index of the e-mail and of
-- "first last", kept in sync by the triggers below. Contentless (it stores the index only);
-- the list query still applies the exact LIKE condition to the contacts it finds, so results
-- are those of a plain LIKE scan. A later migration that rebuilds `contacts` (drizzle-kit's
-- __new_contacts copy + rename) drops these triggers and must create them again
-- (tests/crm/search.test.ts checks that they exist after all migrations).
CREATE VIRTUAL TABLE `contacts_search` USING fts5(email, name, tokenize = 'trigram', content = '', contentless_delete = 1);
--> statement-breakpoint
INSERT INTO `contacts_search` (rowid, email, name) SELECT id, email, COALESCE(first_name, '') || ' ' || COALESCE(last_name, '') FROM `contacts`;
--> statement-breakpoint
CREATE TRIGGER `contacts_search_insert` AFTER INSERT ON `contacts` BEGIN
  INSERT INTO `contacts_search` (rowid, email, name) VALUES (new.id, new.email, COALESCE(new.first_name, '') || ' ' || COALESCE(new.last_name, ''));
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_search_update` AFTER UPDATE OF email, first_name, last_name ON `contacts`
WHEN old.email IS NOT new.email OR old.first_name IS NOT new.first_name OR old.last_name IS NOT new.last_name BEGIN
  DELETE FROM `contacts_search` WHERE rowid = old.id;
  INSERT INTO `contacts_search` (rowid, email, name) VALUES (new.id, new.email, COALESCE(new.first_name, '') || ' ' || COALESCE(new.last_name, ''));
END;
--> statement-breakpoint
CREATE TRIGGER `contacts_search_delete` AFTER DELETE ON `contacts` BEGIN
  DELETE FROM `contacts_search` WHERE rowid = old.id;
END;
