import { en } from 'zod/locales';
import * as z from 'zod/mini';

/**
 * `zod/mini` loads no messages: without a locale every issue zod words itself reads "Invalid
 * input", and answers quote zod's English ("examMetaData.examCode: Too small: expected string to
 * have >=1 characters"). Only English is imported: `z.locales` would carry every locale into the
 * bundles. Imported for this effect by the modules that turn issues into messages.
 */
z.config(en());
