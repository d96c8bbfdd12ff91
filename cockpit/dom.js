/* Building DOM nodes without innerHTML: every text goes in as a text node,
 * so names, identities and error messages from the agent are never parsed
 * as markup.
 * SPDX-License-Identifier: LGPL-2.1-or-later */

/* h("tag.class1.class2", {attr: value, onclick: fn, dataset: {}}, children…) */
export function h(spec, attrs, ...children) {
    const [tag, ...classes] = spec.split(".");
    const el = document.createElement(tag || "div");
    if (classes.length)
        el.className = classes.join(" ");
    if (attrs && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
        children.unshift(attrs);
        attrs = null;
    }
    for (const [key, value] of Object.entries(attrs || {})) {
        if (value === undefined || value === null || value === false)
            continue;
        if (key.startsWith("on") && typeof value === "function")
            el.addEventListener(key.slice(2), value);
        else if (key === "dataset")
            Object.assign(el.dataset, value);
        else if (key === "class")
            el.className += (el.className ? " " : "") + value;
        else if (key === "value" || key === "checked" || key === "selected" || key === "disabled" || key === "multiple")
            el[key] = value;
        else
            el.setAttribute(key, value === true ? "" : String(value));
    }
    append(el, children);
    return el;
}

export function append(el, children) {
    for (const child of children.flat(Infinity)) {
        if (child === undefined || child === null || child === false)
            continue;
        el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
}

export function clear(el) {
    while (el.firstChild)
        el.removeChild(el.firstChild);
    return el;
}

export function replace(el, ...children) {
    return append(clear(el), children);
}

/* A download of bytes (Uint8Array) or text, named NAME: a blob URL clicked. */
export function download(name, data, type) {
    const blob = new Blob([data], { type: type || "application/octet-stream" });
    const url = URL.createObjectURL(blob);
    const a = h("a", { href: url, download: name, hidden: true });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/* The bytes of a File as a Uint8Array. */
export function readFile(file) {
    return file.arrayBuffer().then(buffer => new Uint8Array(buffer));
}
