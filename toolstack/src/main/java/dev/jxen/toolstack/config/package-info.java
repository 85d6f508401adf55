/**
 * The {@code xl.cfg} domain configuration file as Xen documents it in xl.cfg(5): the file syntax
 * ({@link dev.jxen.toolstack.config.ConfigParser}: {@code key = value} settings, quoted strings
 * with C escapes, numbers, lists that may span lines, comments), the raw settings
 * ({@link dev.jxen.toolstack.config.ConfigFile}) and the typed domain configuration built from
 * them ({@link dev.jxen.toolstack.config.DomainConfig}). Errors name the file and line:
 * {@code file:line: message}; unknown keys are warnings in the same form.
 */
package dev.jxen.toolstack.config;
