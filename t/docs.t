#!/usr/bin/perl

# The documentation against the program, so that they cannot drift apart
# in silence (h-docs, review round 6):
#
# - every directive of the module's command table has its entry in the
#   operators' guide's "Directives" (a heading or the content handlers'
#   table), every directive named there exists, and the context the guide
#   gives each is the one the table allows;
# - every message of the guide's "Messages and what to do" is in the
#   sources, word for word between its placeholders (…, N, FILE);
# - every command and option of `onestop --help` is in onestop(1) and in
#   docs/api.md's table of the command-line tool, and the other way round;
# - the agencies and procedures of the examples (README.md, docs/, the
#   manual pages, conf/) are the demo catalog's, with its names, so that
#   an example copied against make run's store is not a 422 or a 400;
# - the package ships every page its shipped pages, manual pages and
#   examples send a reader to, and the manual pages name the installed
#   files as dh_compress leaves them (a page over 4 KiB is .gz);
# - the packages of the guide's step 1 (building on a fresh Debian 12)
#   are the package's Build-Depends, and the guide's table of what
#   .ci/deps.sh installs names each package it installs.
#
# No server is started: this reads files and runs build/onestop --help.

use v5.36;
use utf8;

use lib 't/lib';

use Encode qw(decode);
use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

sub text($file) { decode('UTF-8', Onestop::Test::slurp($file)) }

my $guide = text('docs/operators-guide.md');
my $api = text('docs/api.md');

# ---- the directives ------------------------------------------------------

# name => the contexts its flags allow (http, server, location)
my %code;
my $module = text('ngx_onestop/ngx_http_onestop_module.c');
my ($table) = $module =~ /ngx_command_t\s+ngx_http_onestop_commands\[\]\s*=\s*\{(.*?)ngx_null_command/s;
ok($table, 'the module\'s command table') or BAIL_OUT('no command table');
while ($table =~ /\{\s*ngx_string\("(\w+)"\),\s*([A-Z0-9_|\s]+),/g) {
    my ($name, $flags) = ($1, $2);
    $code{$name} = join ', ', grep { defined }
        ($flags =~ /NGX_HTTP_MAIN_CONF/ ? 'http' : undef),
        ($flags =~ /NGX_HTTP_SRV_CONF/ ? 'server' : undef),
        ($flags =~ /NGX_HTTP_LOC_CONF/ ? 'location' : undef);
}
my ($macro) = $module =~ /#define ngx_http_onestop_handler_cmd\(.*?\n((?:.*\\\n)+.*)/;
like($macro, qr/NGX_HTTP_LOC_CONF\|NGX_CONF_NOARGS/,
    'the content handlers\' macro: location, no arguments');
while ($table =~ /ngx_http_onestop_handler_cmd\("(\w+)"/g) {
    $code{$1} = 'location';
}
cmp_ok(scalar keys %code, '>=', 30, 'the directives of the table')
    or diag(join ' ', sort keys %code);
# any other command table of the module would be missed above
my @tables = map { /ngx_command_t\s+(\w+)\[\]/g } map { text($_) }
    glob('ngx_onestop/*.c');
is_deeply(\@tables, ['ngx_http_onestop_commands'], 'one command table');

my ($dirs) = $guide =~ /^## Directives\n(.*?)^## /ms;
ok($dirs, 'the guide\'s Directives section') or BAIL_OUT('no Directives');

# name => the context the guide gives it
my %doc;
for my $entry (split /^(?=### )/m, $dirs) {
    next unless $entry =~ /^### (.*)\n/;
    my $head = $1;
    my @names = $head =~ /`(onestop_\w+)`/g;
    next unless @names;
    like($entry, qr/^Default: /m, "$head: its default is given");
    for my $name (@names) {
        like($entry, qr/^    \Q$name\E[ ;]/m, "$name: its syntax is given");
    }
    my ($ctx) = $entry =~ /Context:\s+((?:`\w+`(?:,\s*)?)+)\./;
    $ctx = join ', ', ($ctx // '') =~ /`(\w+)`/g;
    $doc{$_} = $ctx for @names;
}
my ($handlers) = $dirs =~ /^### Content handlers\n(.*?)(?=^#### )/ms;
like($handlers, qr/Each in `location` context/,
    'the content handlers are said to be of location context');
while ($handlers =~ /^\| `(onestop_\w+)([^`]*)` \|(.*)$/mg) {
    my ($name, $rest) = ($1, $3);
    my ($ctx) = $rest =~ /^\s*\(default `[^`]*`; ([a-z, ]+)\)/;
    $doc{$name} //= $ctx // 'location';
}

for my $name (sort keys %code) {
    ok(exists $doc{$name}, "$name is documented in the guide's Directives")
        and is($doc{$name}, $code{$name}, "$name: the guide's context is the code's");
}
for my $name (sort keys %doc) {
    ok(exists $code{$name}, "$name, documented, exists in the module");
}

# ---- the messages -------------------------------------------------------

# the string literals of the sources, adjacent ones joined, their
# conversions (%s, %V, %*s, %d, %ui ...) made one byte \0
my $src = '';
for my $file (glob('engine/*.c ngx_onestop/*.c')) {
    my $c = text($file);
    $c =~ s{/\*.*?\*/}{}gs;
    while ($c =~ /((?:"(?:[^"\\\n]|\\.)*"\s*)+)/g) {
        my $run = $1;
        my $s = join '', $run =~ /"((?:[^"\\\n]|\\.)*)"/g;
        $s =~ s/\\(["\\])/$1/g;
        $s =~ s/\\n/\n/g;
        $src .= "$s\x01";
    }
}
$src .= text('conf/onestop-backup');
$src =~ s/%[-+ 0-9.*]*(?:hh|h|ll|l|z|j|t|u)*[sdiuxXoVOTPcfgAe]/\x00/g;

# what is not the project's words: nginx's and the C library's
my %theirs = map { $_ => 1 } ('Permission denied', 'No such file or directory',
    'value must be between 0 and 31 in', 'module', 'is not binary compatible');
# pieces the program puts together from words kept apart: each piece of
# the right must be in the sources
my %composed = (
    ', cannot read and write ' => ["nginx's workers, which run as user \"\x00\", \x00",
                                   'read and write', 'cannot ' . "\x00" . ' "'],
    'chmod u+rw ' => ['; fix: chmod u+' . "\x00", 'rw'],
    'cannot turn its log on ' => ['cannot turn its log ' . "\x00" . ' (onestop_redis '],
    'run as root, onestop reads it as user ' =>
        [' (run as root, onestop reads it as ' . "\x00", 'user "' . "\x00" . '"'],
    'run as root, onestop writes as user ' =>
        [' (run as root, onestop writes as ' . "\x00" . ', the ', 'user "' . "\x00" . '"'],
);

my ($msgs) = $guide =~ /^## Messages and what to do\n(.*?)(?:^## |\z)/ms;
ok($msgs, 'the guide\'s table of messages');
my $n = 0;
for my $row (split /\n/, $msgs) {
    next unless $row =~ /^\| (.*?) \| /;
    my $cell = $1;
    next if $cell eq 'message' || $cell =~ /^-+$/;
    for my $m ($cell =~ /`([^`]+)`/g) {
        next if $m =~ /^\w+=\w+$/;     # a parameter named beside a message
        $n++;
        (my $words = $m) =~ s/^\[\w+\] //;
        $words =~ s/^onestop(?:-backup)?: //;
        # the placeholders and the examples' values
        my @pieces = grep { length >= 6 } map { split /"|: |; |\(|\)/ }
            split /…|\.\.\.|\b(?:[NMAB]|FILE|PREFIX)\b|0400|0644|0640|\+07:00|www-data|16 keys|schema version 1/, $words;
        for my $p (@pieces) {
            next if $theirs{$p =~ s/^\s+|\s+$//gr};
            if (my $parts = $composed{$p}) {
                ok(!grep({ index($src, $_) < 0 } @$parts),
                    "message \"$m\": \"$p\" is put together in the sources");
                next;
            }
            ok(index($src, $p) >= 0, "message \"$m\": \"$p\" is in the sources");
        }
    }
}
cmp_ok($n, '>=', 40, 'the table\'s messages were read');

# ---- the metrics: each one the module writes is in api.md's table ------------

my ($metrics) = $api =~ /^### `GET \/metrics`\n(.*?)^## /ms;
my %documented = map { $_ => 1 } ($metrics // '') =~ /^\| `(onestop_\w+)`/mg;
$documented{$_} = 1 for map { /`(onestop_\w+)`/g } ($metrics // '') =~ /^(\| `onestop_\w+`, .*?) \|/mg;
my %written;
for my $file (glob('engine/*.c ngx_onestop/*.c')) {
    my $c = text($file);
    $written{$1} = 1 while $c =~ /# HELP (onestop_\w+)/g;
}
# onestop_notify_%s_total: the four of the notifier's counts
delete $written{onestop_notify_};
$written{"onestop_notify_${_}_total"} = 1 for qw(sent failed dead superseded);
cmp_ok(scalar keys %written, '>=', 30, 'the metrics the module writes');
for my $m (sort keys %written) {
    ok($documented{$m}, "$m is in docs/api.md's table of /metrics");
}

# ---- links between the pages: every #anchor names a heading -------------------

# GitHub's anchors: the heading in lower case, without its punctuation,
# spaces made hyphens, a repeated one numbered
sub slug($h) { $h = lc $h; $h =~ s/[^\p{L}\p{N}\p{M} _-]//g; $h =~ s/ /-/g; $h }
my %anchors;
for my $file (glob('README.md docs/*.md lmdb-schema/README.md')) {
    my %seen;
    (my $doc = text($file)) =~ s/^```.*?^```//msg;
    for my $h ($doc =~ /^#+ (.*)$/mg) {
        my $s = slug($h);
        my $k = $seen{$s}++;
        $anchors{$file}{$k ? "$s-$k" : $s} = 1;
    }
}
my $links = 0;
for my $file (glob('README.md docs/*.md')) {
    (my $doc = text($file)) =~ s/^```.*?^```//msg;
    while ($doc =~ /\]\(([^)#\s]*)#([^)\s]+)\)/g) {
        my ($to, $anchor) = ($1, $2);
        my $target = $to eq '' ? $file
            : $to =~ m{^\.\./(.*)} ? $1
            : $file =~ m{^docs/} ? "docs/$to" : $to;
        next unless $anchors{$target};
        $links++;
        ok($anchors{$target}{$anchor}, "$file links to $target#$anchor: it is there");
    }
}
cmp_ok($links, '>=', 50, 'the links were read');

# ---- the command-line tool ------------------------------------------------

my $help = decode('UTF-8', scalar `build/onestop --help`);
is($?, 0, 'onestop --help');
my $man = text('docs/onestop.1');
(my $manwords = $man) =~ s/\\-/-/g;
$manwords =~ s/\\f[BIRP]//g;

my %opt = map { $_ => 1 } $help =~ /(--[a-z][a-z_-]*)/g;
my %manopt = map { $_ => 1 } $manwords =~ /(--[a-z][a-z_-]*)/g;
is_deeply([sort keys %manopt], [sort keys %opt],
    'onestop(1) and onestop --help name the same options');

# the commands: each line of the usage's command lists that starts a
# command, two spaces in
my @cmds;
for my $line (split /\n/, $help) {
    next unless $line =~ /^  ([a-z][a-z-]*(?: (?:add|list|revoke|rotate))?)\b/;
    push @cmds, $1 unless grep { $_ eq $1 } @cmds;
}
cmp_ok(scalar @cmds, '>=', 20, 'the commands of onestop --help')
    or diag("@cmds");
my ($clitable) = $api =~ /^## The command-line tool\n(.*?)^### /ms;
for my $cmd (@cmds) {
    like($manwords, qr/^\.B[IR]? \Q$cmd\E\b/m, "onestop(1) has an entry for $cmd");
    like($clitable, qr/^\| `\Q$cmd\E\b/m, "docs/api.md's table has $cmd");
}
# each command's options, as the usage gives them, in its row of the
# table and in its entry of the manual
my %cmdopts;
my $cur;
for my $line (split /\n/, $help) {
    last if $line =~ /^options:/;
    if ($line =~ /^  ([a-z][a-z-]*(?: (?:add|list|revoke|rotate))?)\b(.*)/) {
        $cur = $1;
        my $syn = $2 =~ s/\s{2,}.*//r;
        $cmdopts{$cur}{$_} = 1 for $syn =~ /(--[a-z][a-z_-]*)/g;
    } elsif ($cur && $line =~ /^        \[/) {     # the synopsis goes on
        $cmdopts{$cur}{$_} = 1 for $line =~ /(--[a-z][a-z_-]*)/g;
    }
}
for my $cmd (sort keys %cmdopts) {
    my @rows = $clitable =~ /^(\| `\Q$cmd\E\b.*)$/mg;
    my $entry = join '', $manwords =~ /^\.TP\n(\.B[IR]? "?\Q$cmd\E\b.*?)(?=^\.TP|^\.SH)/msg;
    for my $o (sort keys %{$cmdopts{$cmd}}) {
        ok((grep { index($_, $o) >= 0 } @rows), "docs/api.md's row of $cmd has $o");
        ok(index($entry // '', $o) >= 0, "onestop(1)'s entry of $cmd has $o");
    }
}
for my $cmd ($manwords =~ /^\.TP\n\.B[IR]? ([a-z][a-z-]*(?: (?:add|list|revoke|rotate))?)\b/mg) {
    ok((grep { $_ eq $cmd } @cmds), "$cmd of onestop(1) is in onestop --help");
}
# every scope a key may have (the SMS gateway's too)
like($help, qr/key of SCOPE \("\*", "sms" or agency\s+ids/,
    'onestop --help names the scopes of key add, sms among them');

# ---- the examples' ids: the demo catalog's ------------------------------

my $cat = JSON::PP->new->decode(text('conf/catalog-longan.json'));
my %name = map { $_->{id} => $_->{name} }
    @{$cat->{agencies}}, @{$cat->{fields}}, @{$cat->{procedures}};
# the catalog write's own example (docs/api.md): a new agency, field and
# procedure
my %new = map { $_ => 1 } qw(000.00.99.H36 thu-nghiem 9.000001);
my ($ids, $pairs) = (0, 0);
for my $file (qw(README.md docs/api.md docs/feedback.md docs/feed.md
                 docs/notify.md docs/rules.md docs/operators-guide.md
                 docs/scale-out.md docs/openapi.yaml docs/onestop.1
                 docs/onestop-backup.8 conf/onestop.conf conf/production.conf
                 conf/follower.conf conf/notify.conf)) {
    my $doc = text($file);
    my %seen;
    # agency ids (in codes too) and procedure ids
    while ($doc =~ /(?<![\w.])(\d{3}\.\d{2}\.\d{2}\.H36|[12]\.\d{6})(?![\w.])/g) {
        next if $seen{$1}++ || $new{$1};
        $ids++;
        ok(exists $name{$1}, "$file: $1 is in the demo catalog");
    }
    # an id with its name: JSON ("id": "X", "name": "Y") or YAML
    while ($doc =~ /"id":\s*"([^"]+)",\s*"name":\s*"([^"]+)"|\bid:\s*'?([^\s',{}]+)'?,\s*name:\s*(?:'([^']+)'|([^,}\n]+))/g) {
        my ($id, $nm) = defined $1 ? ($1, $2) : ($3, $4 // $5);
        next if $new{$id} || !exists $name{$id} || $seen{"$id=$nm"}++;
        $pairs++;
        is($nm, $name{$id}, "$file: $id is named as the catalog names it");
    }
}
cmp_ok($ids, '>=', 20, 'the examples\' ids were read');
cmp_ok($pairs, '>=', 5, 'and their names');

# ---- what the package ships -------------------------------------------------

my $PKG = 'libnginx-mod-http-onestop';
my @shipped = grep { /\S/ } split /\n/, text("debian/$PKG.docs");
my @examples = grep { /\S/ } split /\n/, text("debian/$PKG.examples");
my @manpages = grep { /\S/ } split /\n/, text("debian/$PKG.manpages");
my %ships = map { $_ => 1 } @shipped;
for my $file (@shipped, @manpages, grep({ -f } @examples), 'conf/systemd/onestop-notify.service') {
    my $doc = text($file);
    $doc =~ s/\\-/-/g;
    my %to;
    # markdown links to a page beside it, and "docs/x.md" in comments
    $to{$_} = 1 for $doc =~ /\]\(([a-z-]+\.md)(?:#[^)]*)?\)/g;
    $to{$_} = 1 for $doc =~ m{\bdocs/([a-z-]+\.md)\b}g;
    for my $page (sort keys %to) {
        next unless -f "docs/$page";
        ok($ships{"docs/$page"}, "$file sends its reader to $page: the package ships it");
    }
}
for my $man (@manpages) {
    my $doc = text($man) =~ s/\\-/-/gr;
    while ($doc =~ m{/usr/share/doc/\Q$PKG\E/([\w.-]+)}g) {
        my $named = $1;
        my ($src) = grep { m{(?:^|/)\Q${\ ($named =~ s/\.gz$//r)}\E$} } @shipped;
        next unless $src;
        my $gz = -s $src > 4096;
        is($named, ($named =~ s/\.gz$//r) . ($gz ? '.gz' : ''),
            "$man names /usr/share/doc/$PKG/$named as installed");
    }
}

# ---- building and installing ------------------------------------------------

my ($step1) = $guide =~ /^### 1\. Build the package\n(.*?)^Put the project/ms;
my ($apt) = $step1 =~ /^    apt-get install (.*?)\n\n/ms;
my %guidepkgs = map { $_ => 1 } grep { !/^-|^\\$/ } split /\s+/, $apt // '';
my $control = text('debian/control');
my ($bd) = $control =~ /^Build-Depends:(.*?)^\S/ms;
my %need;
for my $dep (map { s/\s*\(.*//sr } grep { /\S/ } map { s/^\s+|\s+$//gr } split /,/, $bd) {
    $dep = 'debhelper' if $dep eq 'debhelper-compat';
    $dep = 'nginx-dev' if $dep eq 'dh-sequence-nginx';   # it provides it
    $need{$dep} = 1;
}
for my $pkg (sort keys %need) {
    ok($guidepkgs{$pkg}, "the guide's step 1 installs $pkg (Build-Depends)");
}

my $deps = text('.ci/deps.sh');
my ($list) = $deps =~ /pkgs="nginx (.*?)"/s;
my ($tab) = $guide =~ /^(\| package \| for \|\n.*?)\n\n/ms;
my %tabpkgs = map { $_ => 1 } ($tab // '') =~ /`([a-z0-9][a-z0-9.+-]+)`/g;
for my $pkg ('nginx', split /\s+/, $list // '') {
    ok($tabpkgs{$pkg}, "the guide's table of .ci/deps.sh names $pkg");
}

done_testing();
