#!/usr/bin/perl

# CSV formula injection (OWASP "CSV Injection"): a catalog name or an
# apology reason that begins with =, +, -, @, TAB or CR must not reach a
# spreadsheet as a formula. Every text cell that begins with one of them
# is written quoted, with a single quote before it; the CSV still parses
# back (by the small parser here) to the text with that quote in front,
# quotes, commas and line breaks still quoted the usual way. Checked in
# the statistics CSV over HTTP and from the CLI (the same bytes), and
# the apology reason in every answer that has a CSV form.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;
my $show = JSON::PP->new->ascii;

my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', sha256_hex('csv-admin-key') . " * administrator\n");
$t->write_conf(<<'END');
    onestop_store %%STORE%% map_size=64m;
    onestop_ingest_keys %%DIR%%/keys;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /api/v1/stats { onestop_stats; }
        location /api/v1/apologies { onestop_apologies; }
        location /api/v1/ingest/ { onestop_ingest; }
    }
END
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer csv-admin-key');

my $HYPERLINK = '=HYPERLINK("http://x","y")';
my $TAB = "\tUBND xã Tab, huyện \"Cần\"";
my $MINUS_AGENCY = '-Sở Khoa học';
my $CR_FIELD = "\r=1+1";
my $AT_FIELD = '@Hộ tịch';
my $PLAIN = 'Sở Tư pháp, "Long An"';
my $QUOTED = "'đã có nháy";
my $REASON = q{=cmd|' /C calc'!A0};

my $catalog = {
    agencies => [
        { id => '000.00.12.H36', name => $HYPERLINK, level => 'province',
          parent => undef },
        { id => '000.00.13.H36', name => $MINUS_AGENCY, level => 'province',
          parent => undef },
        { id => '000.00.14.H36', name => $PLAIN, level => 'province',
          parent => undef },
        { id => '000.00.30.H36', name => $QUOTED, level => 'district',
          parent => undef },
        { id => '000.30.01.H36', name => $TAB, level => 'commune',
          parent => '000.00.30.H36' },
    ],
    fields => [
        { id => 'f-cr', name => $CR_FIELD },
        { id => 'f-at', name => $AT_FIELD },
    ],
    procedures => [
        { id => '1.000001', name => '+1', field => 'f-cr' },
        { id => '1.000002', name => '@SUM(A1)', field => 'f-at' },
        { id => '1.000003', name => '-2+3', field => 'f-at' },
        { id => '1.000004', name => "\t\tTab", field => 'f-cr' },
    ],
};
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => $json->encode($catalog));
is($r->{status}, 200, 'the catalog with formula-like names')
    or diag($r->{content});

my @recs;
my $n = 0;
for my $ag (qw(000.00.12.H36 000.00.13.H36 000.00.14.H36 000.30.01.H36)) {
    for my $proc (qw(1.000001 1.000002 1.000003 1.000004)) {
        $n++;
        push @recs, { code => "CSV-$n", version => 1, agency => $ag,
            procedure => $proc, channel => 'direct',
            applicant => { name => 'Nguyễn Văn An' },
            received_at => '2024-06-03', due_at => '2024-06-10',
            $n % 2 ? (resolved_at => '2024-06-07') : () };
    }
}
$recs[1]{apology} = { issued_at => '2024-06-09', new_due_at => '2024-06-20',
    reason => $REASON };
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\@recs));
is($r->{status}, 200, 'dossiers written') or diag($r->{content});

# RFC 4180, as a spreadsheet reads it
sub parse_csv ($text) {
    my (@rows, @row);
    my $i = 0;
    my $len = length $text;
    while ($i < $len) {
        my $f;
        if (substr($text, $i, 1) eq '"') {
            $f = '';
            $i++;
            for (;;) {
                die "unterminated quote\n" if $i >= $len;
                my $c = substr($text, $i++, 1);
                if ($c ne '"') { $f .= $c; next }
                last if substr($text, $i, 1) ne '"';
                $f .= '"';
                $i++;
            }
            die "a quoted cell followed by text\n"
                if $i < $len && substr($text, $i, 1) !~ /[,\r\n]/;
        } else {
            my $j = $i;
            $j++ while $j < $len && substr($text, $j, 1) !~ /[,\r\n"]/;
            die "a quote inside an unquoted cell\n"
                if $j < $len && substr($text, $j, 1) eq '"';
            $f = substr($text, $i, $j - $i);
            $i = $j;
        }
        push @row, $f;
        my $sep = substr($text, $i, 1);
        if ($sep eq ',') {
            $i++;
            push(@row, ''), push(@rows, [@row]), @row = () if $i >= $len;
        } else {
            $i += substr($text, $i, 2) eq "\r\n" ? 2 : 1;
            push @rows, [@row];
            @row = ();
        }
    }
    return \@rows;
}

# what the cell of a text must be: the text, with a single quote before it
# when a spreadsheet would read it as a formula
sub neutral ($s) { $s =~ /^[=+\-\@\t\r]/ ? "'$s" : $s }

my $DANGER = qr/^[=+\-\@\t\r]/;

sub csv_rows ($body, $name) {
    ok(substr($body, 0, 3) eq "\xEF\xBB\xBF", "$name: a UTF-8 BOM first");
    my $text = eval { decode('UTF-8', substr($body, 3), Encode::FB_CROAK) };
    ok(defined $text, "$name: UTF-8") or return [];
    my $rows = eval { parse_csv($text) };
    ok($rows && @$rows > 1, "$name: parses back") or diag($@);
    return $rows // [];
}

sub check ($query, $name) {
    my $res = $t->get("/api/v1/stats?$query&format=csv");
    is($res->{status}, 200, "$name: 200");
    my $jr = $t->get("/api/v1/stats?$query");
    my $j = eval { $json->decode($jr->{content}) } // {};
    my $rows = csv_rows($res->{content}, $name);
    my @head = @{ $rows->[0] // [] };
    my @groups = @{ $j->{groups} // [] };
    is(scalar(@$rows) - 1, scalar(@groups), "$name: a row per group");
    my (@bad, $names);
    for my $k (0 .. $#groups) {
        my $row = $rows->[$k + 1] or last;
        for my $c (0 .. $#head) {
            my $want = $groups[$k]{ $head[$c] };
            next unless defined $want && !ref $want && $want =~ /\D/
                && $head[$c] !~ /_rate$/;
            $names++ if $head[$c] =~ /_name$/;
            push @bad, "row $k $head[$c]: " . $show->encode([$row->[$c]])
                . ', want ' . $show->encode([neutral($want)])
                unless ($row->[$c] // '') eq neutral($want);
        }
    }
    ok($names, "$name: has names");
    ok(!@bad, "$name: every text cell is the text, with a ' before a "
        . 'formula') or diag(join "\n", @bad);
    my @danger = grep { /$DANGER/ } map { @$_ } @$rows;
    ok(!@danger, "$name: no cell begins with = + - \@ TAB or CR")
        or diag($show->encode(\@danger));
    return ($res->{content}, $rows);
}

my ($body, $rows) = check('period=all&group=agency,procedure',
    'by agency and procedure');
my %cells = map { $_ => 1 } map { @$_ } @$rows;
for my $s ($HYPERLINK, '+1', '@SUM(A1)', '-2+3', "\t\tTab", $TAB,
    $MINUS_AGENCY)
{
    ok($cells{"'$s"}, 'the cell ' . $show->encode(["'$s"]) . ' is there');
    ok(!$cells{$s}, 'and never ' . $show->encode([$s]) . ' bare');
}
ok($cells{$PLAIN}, 'a plain name with a comma and quotes comes back whole');
ok(index($body, encode('UTF-8', q{"'=HYPERLINK(""http://x"",""y"")"})) >= 0,
    'the neutralised cell is quoted, its quotes doubled');
ok(index($body, q{,"'+1",}) >= 0, '+1 is written "\'+1"');
ok(index($body, q{,"'-2+3",}) >= 0, '-2+3 is written "\'-2+3"');
unlike($body, qr/(?:^|[,\n])(?:[=+\-\@\t]|\r(?!\n))/,
    'no line and no cell of the raw bytes begins with a formula character');

(undef, $rows) = check('period=all&group=field,top_agency',
    'by field and top agency');
ok(scalar(grep { $_->[3] eq $QUOTED } @$rows),
    'a name that begins with a quote is left as it is');
check('period=all&group=procedure', 'by procedure');
check('period=all&group=agency,level,channel', 'by agency, level, channel');

# numbers are not text: the figures stay bare
($body) = check('period=all&group=agency', 'by agency');
my $text = decode('UTF-8', substr($body, 3));
like($text, qr/^000\.00\.12\.H36,"'=HYPERLINK\(""http:\/\/x"",""y""\)",0,4,/m,
    'the counters after a neutralised name are bare numbers');

# the CLI writes the same CSV, byte for byte
for my $q (['period=all&group=agency,procedure',
        '--period', 'all', '--group', 'agency,procedure'],
    ['period=all&group=field', '--period', 'all', '--group', 'field'])
{
    my ($qs, @args) = @$q;
    my ($rc, $out, $err) = $t->cli('stats', @args, '--format', 'csv');
    is($rc, 0, "onestop stats @args --format csv: exit 0") or diag($err);
    my $http = $t->get("/api/v1/stats?$qs&format=csv")->{content};
    ok($out eq $http, "onestop stats @args --format csv: the bytes of HTTP");
    my @danger = grep { /$DANGER/ } map { @$_ } @{ csv_rows($out, 'CLI') };
    ok(!@danger, 'CLI: no cell begins with a formula character');
}

# the apology reason: a JSON string in the list, and in the list's CSV
# (issue 15) neutralised like every text cell, in both dialects
$r = $t->get('/api/v1/apologies');
my $ap = eval { $json->decode($r->{content}) } // {};
is($ap->{items}[0]{reason}, $REASON, 'the reason, as a JSON string');
for my $vi (0, 1) {
    $r = $t->get('/api/v1/apologies?format=csv' . ($vi ? '&locale=vi' : ''));
    is($r->{status}, 200, "apologies as CSV (vi $vi): 200");
    like($r->{headers}{'content-type'} // '', qr{^text/csv\b}, '  CSV');
    my $quoted = "'" . $REASON;
    $quoted =~ s/"/""/g;
    ok(index($r->{content}, qq{"$quoted"}) >= 0,
        '  the reason quoted with a single quote in front');
}
my $all = '';
for my $q ('period=all&group=agency,procedure', 'period=all&group=field',
    'period=all', 'period=all&interval=month')
{
    $all .= $t->get("/api/v1/stats?$q&format=csv")->{content};
}
ok(index($all, 'calc') < 0, 'no statistics CSV holds the apology reason');

$t->check_log;

done_testing;
