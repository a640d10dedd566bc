export { VERSION } from '@daybook/core';
