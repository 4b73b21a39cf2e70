/*
 * The nftables backend's ruleset (see nftrules.h).  One inet table holds
 * everything mxallowd does to the packets:
 *
 *	input	a base chain on the input hook: SYNs to port 25 go to mx
 *	mx	to a fake MX: the sender (its network, with a prefix) enters
 *		its family's set for whitelist-time or is renewed, and the
 *		SYN goes to fake; if the set is full the add fails and the
 *		next rule sends it to full.  To a real MX: the allow list
 *		passes, a set member is renewed and passes, anybody else
 *		goes to block.
 *	fake, full, block
 *		log to NFLOG (at most NFT_LOG_RATE a second each; beyond,
 *		only a counter counts) and accept (fake, full: the kernel
 *		answers with a RST) or drop (block; observe: accept).
 *
 * The whitelist sets are dynamic hash sets with timeouts: the packet path
 * can add and renew only in those (a set with "flags interval" cannot be
 * updated from a rule), so prefixes are whitelisted by masking the source
 * in the rule and storing the network address.  The allow list, which
 * never changes from the packet path, is an interval set.
 *
 * The sets are "add"ed: a set that exists keeps its elements and their
 * remaining time; the chains are emptied and filled in the same
 * transaction, so the gate never stands open in between.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nftrules.h"


/* The addresses of one family of a list, as "{ a, b }"; false: none. */
static bool
addr_set(FILE *fp, const struct mx_addrlist *l, bool v4)
{
	char a[MX_ADDRSTRLEN];
	size_t i;
	bool any = false;

	for (i = 0; i < l->count; i++) {
		if (addr_is_v4(&l->addrs[i]) != v4)
			continue;
		fprintf(fp, "%s%s", any ? ", " : "{ ",
		    addr_format(&l->addrs[i], a, sizeof(a)));
		any = true;
	}
	if (any)
		fputs(" }", fp);
	return any;
}

static bool
has_family(const struct mx_addrlist *l, bool v4)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (addr_is_v4(&l->addrs[i]) == v4)
			return true;
	return false;
}

/* "ip saddr" or "ip saddr & 255.255.255.0": the sender's whitelist key. */
static void
source_key(FILE *fp, bool v4, unsigned bits)
{
	struct mx_addr mask;
	char a[MX_ADDRSTRLEN];

	fputs(v4 ? "ip saddr" : "ip6 saddr", fp);
	if (bits == (v4 ? 32U : 128U))
		return;
	memset(&mask, 0xff, sizeof(mask));
	if (v4) {
		addr_parse("255.255.255.255", &mask);
		addr_mask(&mask, 96 + bits);
	} else
		addr_mask(&mask, bits);
	fprintf(fp, " & %s", addr_format(&mask, a, sizeof(a)));
}

/* The rules of one family, appended to the chain mx. */
static void
family_rules(FILE *fp, const char *t, const struct mx_config *cfg, bool v4)
{
	const char *ip = v4 ? "ip" : "ip6";
	const char *wl = v4 ? NFT_SET_WL4 : NFT_SET_WL6;
	unsigned bits = (unsigned)(v4 ? cfg->whitelist_prefix4 :
	    cfg->whitelist_prefix6);

	if (has_family(&cfg->fake, v4)) {
		fprintf(fp, "add rule inet %s " NFT_CHAIN_MX " %s daddr ", t,
		    ip);
		addr_set(fp, &cfg->fake, v4);
		fprintf(fp, " update @%s { ", wl);
		source_key(fp, v4, bits);
		fprintf(fp, " timeout %llds } goto " NFT_CHAIN_FAKE "\n",
		    cfg->whitelist_time);
		/* Reached only when the set is full: the add failed. */
		fprintf(fp, "add rule inet %s " NFT_CHAIN_MX " %s daddr ", t,
		    ip);
		addr_set(fp, &cfg->fake, v4);
		fprintf(fp, " goto " NFT_CHAIN_FULL "\n");
	}
	if (!has_family(&cfg->real, v4))
		return;
	fprintf(fp, "add rule inet %s " NFT_CHAIN_MX " %s daddr ", t, ip);
	addr_set(fp, &cfg->real, v4);
	fprintf(fp, " %s saddr @%s counter name \"" NFT_COUNTER_ALLOWED
	    "\" accept\n", ip, v4 ? NFT_SET_ALLOW4 : NFT_SET_ALLOW6);
	fprintf(fp, "add rule inet %s " NFT_CHAIN_MX " %s daddr ", t, ip);
	addr_set(fp, &cfg->real, v4);
	fputc(' ', fp);
	source_key(fp, v4, bits);
	fprintf(fp, " @%s update @%s { ", wl, wl);
	source_key(fp, v4, bits);
	fprintf(fp, " timeout %llds } counter name \"" NFT_COUNTER_PASSED
	    "\" accept\n", cfg->whitelist_time);
	fprintf(fp, "add rule inet %s " NFT_CHAIN_MX " %s daddr ", t, ip);
	addr_set(fp, &cfg->real, v4);
	fprintf(fp, " goto " NFT_CHAIN_BLOCK "\n");
}

/*
 * A chain that logs what reaches it, NFT_LOG_RATE a second at most, and
 * counts the rest unlogged; both get the same verdict.
 */
static void
log_chain(FILE *fp, const char *t, const char *chain, const char *prefix,
    const char *counter, const char *verdict, long long group)
{
	fprintf(fp, "add rule inet %s %s limit rate %d/second burst %d "
	    "packets log prefix \"%s\" group %lld %s\n", t, chain,
	    NFT_LOG_RATE, NFT_LOG_RATE, prefix, group, verdict);
	fprintf(fp, "add rule inet %s %s counter name \"%s\" %s\n", t, chain,
	    counter, verdict);
}

/* The allow list's networks of one family, as set elements. */
static void
allow_elements(FILE *fp, const char *t, const struct mx_allow *al, bool v4)
{
	char a[MX_ADDRSTRLEN];
	size_t i;
	bool any = false;
	unsigned bits;

	for (i = 0; al != NULL && i < al->count; i++) {
		if (addr_is_v4(&al->nets[i].addr) != v4)
			continue;
		if (!any)
			fprintf(fp, "add element inet %s %s { ", t,
			    v4 ? NFT_SET_ALLOW4 : NFT_SET_ALLOW6);
		bits = v4 ? al->nets[i].bits - 96 : al->nets[i].bits;
		fprintf(fp, "%s%s/%u", any ? ", " : "",
		    addr_format(&al->nets[i].addr, a, sizeof(a)), bits);
		any = true;
	}
	if (any)
		fputs(" }\n", fp);
}

char *
nftrules_build(const struct mx_config *cfg, const struct mx_allow *al,
    bool recreate)
{
	static const char *chains[] = { NFT_CHAIN_FAKE, NFT_CHAIN_FULL,
	    NFT_CHAIN_BLOCK };
	static const char *counters[] = { NFT_COUNTER_PASSED,
	    NFT_COUNTER_ALLOWED, NFT_COUNTER_FAKE_UNLOGGED,
	    NFT_COUNTER_FULL_UNLOGGED, NFT_COUNTER_BLOCK_UNLOGGED };
	const char *t = cfg->nft_table != NULL ? cfg->nft_table : "mxallowd";
	char *text = NULL;
	size_t len = 0, i;
	FILE *fp;

	if ((fp = open_memstream(&text, &len)) == NULL)
		return NULL;
	fprintf(fp, "# mxallowd %s: fake %zu, real %zu MX addresses, "
	    "whitelist-time %llds, max-entries %lld\n", "nftables backend",
	    cfg->fake.count, cfg->real.count, cfg->whitelist_time,
	    cfg->max_entries);
	fprintf(fp, "add table inet %s\n", t);
	fprintf(fp, "add chain inet %s " NFT_CHAIN_HOOK " { type filter hook "
	    "input priority %d; policy accept; }\n", t, NFT_PRIORITY);
	fprintf(fp, "add chain inet %s " NFT_CHAIN_MX "\n", t);
	for (i = 0; i < sizeof(chains) / sizeof(chains[0]); i++)
		fprintf(fp, "add chain inet %s %s\n", t, chains[i]);
	fprintf(fp, "flush chain inet %s " NFT_CHAIN_HOOK "\n", t);
	fprintf(fp, "flush chain inet %s " NFT_CHAIN_MX "\n", t);
	for (i = 0; i < sizeof(chains) / sizeof(chains[0]); i++)
		fprintf(fp, "flush chain inet %s %s\n", t, chains[i]);
	if (recreate)
		fprintf(fp, "delete set inet %s " NFT_SET_WL4 "\n"
		    "delete set inet %s " NFT_SET_WL6 "\n", t, t);
	fprintf(fp, "add set inet %s " NFT_SET_WL4 " { type ipv4_addr; "
	    "size %lld; flags dynamic,timeout; }\n", t, cfg->max_entries);
	fprintf(fp, "add set inet %s " NFT_SET_WL6 " { type ipv6_addr; "
	    "size %lld; flags dynamic,timeout; }\n", t, cfg->max_entries);
	fprintf(fp, "add set inet %s " NFT_SET_ALLOW4 " { type ipv4_addr; "
	    "flags interval; auto-merge; }\n", t);
	fprintf(fp, "add set inet %s " NFT_SET_ALLOW6 " { type ipv6_addr; "
	    "flags interval; auto-merge; }\n", t);
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		fprintf(fp, "add counter inet %s %s\n", t, counters[i]);
	fprintf(fp, "flush set inet %s " NFT_SET_ALLOW4 "\n", t);
	fprintf(fp, "flush set inet %s " NFT_SET_ALLOW6 "\n", t);
	allow_elements(fp, t, al, true);
	allow_elements(fp, t, al, false);
	fprintf(fp, "add rule inet %s " NFT_CHAIN_HOOK " tcp dport 25 "
	    "tcp flags & (syn | ack) == syn jump " NFT_CHAIN_MX "\n", t);
	family_rules(fp, t, cfg, true);
	family_rules(fp, t, cfg, false);
	log_chain(fp, t, NFT_CHAIN_FAKE, NFT_LOG_FAKE,
	    NFT_COUNTER_FAKE_UNLOGGED, "accept", cfg->nflog_group);
	log_chain(fp, t, NFT_CHAIN_FULL, NFT_LOG_FULL,
	    NFT_COUNTER_FULL_UNLOGGED, "accept", cfg->nflog_group);
	log_chain(fp, t, NFT_CHAIN_BLOCK, cfg->observe ? NFT_LOG_OBSERVE :
	    NFT_LOG_BLOCK, NFT_COUNTER_BLOCK_UNLOGGED, cfg->observe ?
	    "accept" : "drop", cfg->nflog_group);
	if (fclose(fp) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

char *
nftrules_remove(const struct mx_config *cfg)
{
	char *text;

	if (asprintf(&text, "delete table inet %s\n", cfg->nft_table != NULL ?
	    cfg->nft_table : "mxallowd") == -1)
		return NULL;
	return text;
}
