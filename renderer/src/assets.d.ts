/** Vite's `?url` imports: the built file's address (served by this origin). */
declare module '*?url' {
  const url: string;
  export default url;
}
