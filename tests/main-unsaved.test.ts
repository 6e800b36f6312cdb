/** The desktop window's question when the page has unsaved changes (electron/main: will-prevent-unload). */
import { describe, expect, it } from 'vitest';
import { leaveWithoutSaving, UNSAVED_CHANGES_DIALOG } from '../electron/main/logic/window';

describe('unsaved changes in the desktop window', () => {
  it('asks with Stay as the default and the Escape answer; only "Leave without saving" lets the page go', () => {
    expect(UNSAVED_CHANGES_DIALOG.buttons[UNSAVED_CHANGES_DIALOG.defaultId]).toBe('Stay');
    expect(UNSAVED_CHANGES_DIALOG.buttons[UNSAVED_CHANGES_DIALOG.cancelId]).toBe('Stay');
    expect(leaveWithoutSaving(UNSAVED_CHANGES_DIALOG.buttons.indexOf('Leave without saving'))).toBe(true);
    expect(leaveWithoutSaving(UNSAVED_CHANGES_DIALOG.cancelId)).toBe(false);
  });
});
