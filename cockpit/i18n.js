/* Translation helpers: Cockpit's gettext, fed by po.js (the bridge serves
 * po.LANG.js, generated from po/LANG.po, for the user's language).
 * SPDX-License-Identifier: LGPL-2.1-or-later */

export const _ = cockpit.gettext;
export const ngettext = cockpit.ngettext;
/* marks a string for extraction; translated where it is shown */
export const N_ = s => s;
/* "$0 of $1" substitution, as Cockpit does it */
export const format = cockpit.format;
