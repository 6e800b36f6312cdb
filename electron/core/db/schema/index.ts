// Every table of the store. drizzle-kit reads this file to generate the SQL
// migrations in resources/migrations (npm run db:generate).
export * from './system';
export * from './engine';
export * from './crm';
export * from './triggers';
export * from './ai';
export * from './sales';
export * from './billing';
export * from './tracking';
export * from './finance';
export * from './reports';
export * from './growth';
export * from './playbooks';
export * from './monitoring';
export * from './products';
export * from './affiliate';
