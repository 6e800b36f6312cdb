/**
 * pdf.js, loaded on demand (this module is imported dynamically by PdfPreview, so it is a chunk
 * of its own and not in the first bundle). Its worker is a file of the build, served by this
 * origin (worker-src 'self'); nothing comes from a CDN.
 */
import { GlobalWorkerOptions, getDocument } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

GlobalWorkerOptions.workerSrc = workerUrl;

export { getDocument };
