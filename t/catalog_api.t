#!/usr/bin/perl

# The public catalog and CSV that opens right in Vietnam (issue 15):
# GET /api/v1/catalog answers the ids, names, levels and parents the
# catalog write used (compared entry by entry; the dossiers' ids and every
# statistics group's are among them; the province's shipped catalog,
# loaded by the CLI, comes back whole), with an ETag and 304,
# CORS that exposes the ETag; format=csv&table=... gives each table as
# CSV, in both dialects; unknown tables and formats are 400s.
# format=csv&locale=vi on statistics, apology letters and evaluation
# summaries, read back by Python's csv module with ';' and decimal
# commas, gives the figures of the JSON; the default CSV keeps its bytes;
# every CSV download has a file name that says what it holds.  gzip, as
# the shipped conf turns it on, answers JSON and CSV compressed with
# Vary: Accept-Encoding.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

local $SIG{ALRM} = sub { BAIL_OUT('catalog_api.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', sha256_hex('cat-admin-key') . " * admin\n");
# gzip as conf/onestop.conf turns it on
$t->write_standard_conf(serve => [qw(ingest catalog stats apologies evaluate)],
    http => <<'END');
gzip on;
gzip_min_length 256;
gzip_types application/json text/csv;
gzip_vary on;
END

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer cat-admin-key');

# --- an empty store: an empty catalog ---

my $r = $t->get('/api/v1/catalog');
is($r->{status}, 200, 'empty store: 200') or diag($r->{content});
is_deeply(eval { $json->decode($r->{content}) },
    {agencies => [], fields => [], procedures => []},
    'empty store: three empty lists');

# --- the catalog written, then read back ---

my $written = $json->decode(Onestop::Test::catalog_json());
$r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

$r = $t->get('/api/v1/catalog');
is($r->{status}, 200, 'GET /api/v1/catalog: 200');
like($r->{headers}{'content-type'}, qr{^application/json}, 'JSON');
my $cat = eval { $json->decode($r->{content}) } // {};

for my $table (qw(agencies fields procedures)) {
    my @want = sort { $a->{id} cmp $b->{id} } @{ $written->{$table} };
    is_deeply($cat->{$table}, \@want,
        "$table: the ids, names" . ($table eq 'agencies' ? ', levels, parents'
        : $table eq 'procedures' ? ', fields' : '') . ' written, by id');
}

is($r->{headers}{'access-control-allow-origin'}, '*', 'CORS: *');
is($r->{headers}{'access-control-expose-headers'}, 'ETag',
    'CORS exposes the ETag');
my $etag = $r->{headers}{etag};
like($etag // '', qr/^"[0-9a-f]+"$/, 'an ETag');
like($r->{headers}{'cache-control'} // '', qr/max-age/, 'Cache-Control');

$r = $t->get('/api/v1/catalog', headers => {'If-None-Match' => $etag});
is($r->{status}, 304, 'If-None-Match: 304');
is($r->{content} // "", "", "304: no body");

# each id of the catalog is a filter of the statistics
for my $a (@{ $cat->{agencies} }) {
    my $s = $t->get("/api/v1/stats?agency=$a->{id}");
    is($s->{status}, 200, "stats?agency=$a->{id}: 200");
}
for my $f (@{ $cat->{fields} }) {
    is($t->get("/api/v1/stats?field=$f->{id}")->{status}, 200,
        "stats?field=$f->{id}: 200");
}

# a changed catalog: a new ETag, the new entry
my $more = $json->decode(Onestop::Test::catalog_json());
push @{ $more->{fields} }, {id => 'dat-dai', name => 'Đất đai'};
$r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => $json->encode($more));
is($r->{status}, 200, 'a field added') or diag($r->{content});
$r = $t->get('/api/v1/catalog', headers => {'If-None-Match' => $etag});
is($r->{status}, 200, 'the old ETag after a change: 200');
isnt($r->{headers}{etag}, $etag, 'a new ETag');
ok((grep { $_->{id} eq 'dat-dai' } @{ $json->decode($r->{content})->{fields} }),
    'the new field is there');
$cat = $json->decode($r->{content});

# --- CSV tables ---

# Python's csv module: rows of the CSV text (BOM removed) with `sep`
sub py_csv ($bytes, $sep) {
    my $file = $t->spew('in.csv', $bytes);
    my $out = `python3 -c 'import csv, json, sys
data = open(sys.argv[1], encoding="utf-8-sig", newline="").read()
print(json.dumps(list(csv.reader(data.splitlines(True), delimiter=sys.argv[2]))))' '$file' '$sep'`;
    return JSON::PP->new->decode($out);
}

my %columns = (
    agencies => [qw(id name level parent)],
    fields => [qw(id name)],
    procedures => [qw(id name field)],
);
my %vi_head = (
    agencies => ['Mã', 'Tên', 'Cấp', 'Mã cơ quan cấp trên'],
    fields => ['Mã', 'Tên'],
    procedures => ['Mã', 'Tên', 'Mã lĩnh vực'],
);
my %file = (
    agencies => ['catalog-agencies.csv', 'danh-muc-co-quan.csv'],
    fields => ['catalog-fields.csv', 'danh-muc-linh-vuc.csv'],
    procedures => ['catalog-procedures.csv', 'danh-muc-thu-tuc.csv'],
);
for my $table (qw(agencies fields procedures)) {
    my @cols = @{ $columns{$table} };
    my @want = map { my $e = $_; [map { $e->{$_} // '' } @cols] }
        @{ $cat->{$table} };
    for my $vi (0, 1) {
        my $q = "/api/v1/catalog?format=csv&table=$table"
            . ($vi ? '&locale=vi' : '');
        $r = $t->get($q);
        is($r->{status}, 200, "$q: 200") or diag($r->{content});
        like($r->{headers}{'content-type'}, qr{^text/csv}, "$q: text/csv");
        is($r->{headers}{'content-disposition'},
            "attachment; filename=\"$file{$table}[$vi]\"",
            "$q: file name $file{$table}[$vi]");
        is(substr($r->{content}, 0, 3), "\xef\xbb\xbf", "$q: a BOM");
        my $rows = py_csv($r->{content}, $vi ? ';' : ',');
        is_deeply($rows->[0], $vi ? $vi_head{$table} : \@cols,
            "$q: the headings");
        is_deeply([@$rows[1 .. $#$rows]], \@want,
            "$q: the JSON's entries, cell by cell");
        ok($r->{headers}{etag}, "$q: an ETag");
    }
}

# --- bad arguments ---

for my $bad ('format=xml', 'format=csv', 'format=csv&table=dossiers',
    'table=agencies', 'format=csv&table=fields&locale=en',
    'locale=vi', 'format=csv&table=fields&table=agencies')
{
    $r = $t->get("/api/v1/catalog?$bad");
    is($r->{status}, 400, "catalog?$bad: 400");
    my $j = eval { $json->decode($r->{content}) } // {};
    is($j->{error}{code}, 'bad_request', "catalog?$bad: bad_request");
    is($r->{headers}{'access-control-allow-origin'}, '*',
        "catalog?$bad: CORS on the error too");
}
$r = $t->http('POST', '/api/v1/catalog', body => '{}');
is($r->{status}, 405, 'POST /api/v1/catalog: 405');

# --- dossiers, letters and evaluations for the figures ---

my @recs;
my $n = 0;
for my $agency ('000.00.12.H36', '000.30.01.H36', '000.00.30.H36') {
    my $proc = $agency eq '000.00.12.H36' ? '1.001234' : '1.000894';
    for my $i (1 .. 7) {
        $n++;
        my %m = (code => sprintf('CAT-%02d', $n), version => 1,
            agency => $agency, procedure => $proc,
            channel => (qw(direct online postal))[$n % 3],
            applicant => {name => 'Trần Thị Bích'},
            contact => {phone => '0909123456'},
            received_at => '2024-05-0' . (1 + $i % 5) . 'T08:00:00+07:00',
            due_at => '2024-05-20');
        $m{resolved_at} = '2024-05-1' . ($i % 9) if $i % 3;
        $m{resolved_at} = '2024-05-25' if $i == 4;
        $m{apology} = {issued_at => '2024-05-19', new_due_at => '2024-05-31',
            reason => "Cần bổ sung; xác minh, lần $i"} if $i == 4 || $i == 6;
        push @recs, \%m;
    }
}
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\@recs));
is($r->{status}, 200, 'dossiers written') or diag($r->{content});

# the ids the dossiers used are the catalog's, and so are every group's
{
    my %in = map { my $t = $_; $t => { map { $_->{id} => 1 } @{ $cat->{$t} } } }
        qw(agencies fields procedures);
    my @missing = grep { !$in{agencies}{$_->{agency}}
        || !$in{procedures}{$_->{procedure}} } @recs;
    is(scalar @missing, 0, 'every agency and procedure written is in the catalog');
    for my $g ([agency => 'agencies'], [top_agency => 'agencies'],
        [field => 'fields'], [procedure => 'procedures'])
    {
        my ($dim, $table) = @$g;
        my $j = $json->decode($t->get("/api/v1/stats?period=all&group=$dim")
            ->{content});
        my @ids = map { $_->{$dim} } @{ $j->{groups} };
        ok(@ids && !(grep { !$in{$table}{$_} } @ids),
            "stats group=$dim: every id is the catalog's (@ids)");
        my %name = map { $_->{id} => $_->{name} } @{ $cat->{$table} };
        ok(!(grep { $_->{"${dim}_name"} ne $name{ $_->{$dim} } }
            @{ $j->{groups} }), "stats group=$dim: the catalog's names");
    }
}

my $evaluated = 0;
for my $m (@recs) {
    next unless $m->{resolved_at};
    my $e = $t->http('POST', '/api/v1/evaluations',
        headers => {'Content-Type' => 'application/json', %admin},
        body => $json->encode({code => $m->{code},
            answers => {2 => ($evaluated % 3), 5 => 2, 9 => 1}}));
    $evaluated++ if $e->{status} == 200 || $e->{status} == 201;
}
cmp_ok($evaluated, '>=', 10, "$evaluated evaluations written");

# --- locale=vi read back: the JSON's figures ---

# a CSV cell of locale=vi as a number: a decimal comma
sub vi_num ($s) { return undef if !defined $s || $s eq ''; $s =~ tr/,/./; $s + 0 }
sub dmy ($iso) { my ($y, $m, $d) = split /-/, $iso; "$d/$m/$y" }

my %VI = (
    received => 'Tiếp nhận', resolved => 'Đã giải quyết',
    resolved_late => 'Giải quyết trễ hạn', pending => 'Đang giải quyết',
    resolution_rate => 'Tỷ lệ đã giải quyết',
    on_time_rate => 'Tỷ lệ đúng hạn', agency => 'Mã cơ quan',
    agency_name => 'Tên cơ quan', channel => 'Kênh tiếp nhận',
    from => 'Từ ngày', to => 'Đến ngày',
);

sub check_stats ($args, $file, $by) {
    my $j = $json->decode($t->get("/api/v1/stats?$args")->{content});
    my $plain = $t->get("/api/v1/stats?$args&format=csv");
    my $vi = $t->get("/api/v1/stats?$args&format=csv&locale=vi");
    is($vi->{status}, 200, "stats?$args locale=vi: 200")
        or diag($vi->{content});
    is($vi->{headers}{'content-disposition'},
        "attachment; filename=\"$file\"", "stats?$args: file name $file");
    is(substr($vi->{content}, 0, 3), "\xef\xbb\xbf", "stats?$args: a BOM");
    my $rows = py_csv($vi->{content}, ';');
    my $prow = py_csv($plain->{content}, ',');
    is(scalar @{ $rows->[0] }, scalar @{ $prow->[0] },
        "stats?$args: as many columns as the default CSV");
    my %col;
    @col{ map { decode('UTF-8', encode('UTF-8', $_)) } @{ $rows->[0] } }
        = 0 .. $#{ $rows->[0] };
    for my $k (keys %VI) {
        next unless grep { $_ eq $k } @{ $prow->[0] };
        ok(exists $col{ $VI{$k} }, "stats?$args: heading $VI{$k}");
    }
    my @items = $by eq 'groups' ? @{ $j->{groups} }
        : $by eq 'periods' ? @{ $j->{series} } : ($j->{totals});
    is(scalar @$rows - 1, scalar @items, "stats?$args: one row each");
    my $rates = 0;
    for my $i (0 .. $#items) {
        my ($it, $row) = ($items[$i], $rows->[$i + 1]);
        for my $k (qw(received resolved resolved_late pending
            resolution_rate on_time_rate))
        {
            my $got = vi_num($row->[ $col{ $VI{$k} } ]);
            my $want = $it->{$k};
            if (!defined $want) {
                ok(!defined $got, "row $i $k: empty for null");
            } else {
                ok(defined $got && abs($got - $want) < 1e-12,
                    "row $i $k: $want") or diag($row->[ $col{ $VI{$k} } ]);
                $rates++ if $k =~ /rate/ && $want != int($want)
                    && $row->[ $col{ $VI{$k} } ] =~ /^0,\d/;
            }
        }
        if ($by eq 'groups') {
            is($row->[ $col{ $VI{agency} } ], $it->{agency},
                "row $i: the agency id");
            is($row->[ $col{ $VI{agency_name} } ], $it->{agency_name},
                "row $i: the agency name, diacritics and all");
        }
        if ($by eq 'periods') {
            is($row->[ $col{ $VI{from} } ], dmy($it->{from}),
                "row $i: from as dd/mm/yyyy");
            is($row->[ $col{ $VI{to} } ], dmy($it->{to}),
                "row $i: to as dd/mm/yyyy");
        }
    }
    return $rates;
}

my $rates = check_stats('period=year&group=agency',
    'thong-ke-2024-theo-co-quan.csv', 'groups');
$rates += check_stats('from=2024-05-01&to=2024-05-31&interval=day',
    'thong-ke-tu-2024-05-01-den-2024-05-31-theo-ngay.csv', 'periods');
$rates += check_stats('period=month', 'thong-ke-2024-06.csv', 'totals');
$rates += check_stats('period=all&group=agency,channel',
    'thong-ke-tat-ca-theo-co-quan-va-kenh.csv', 'groups');
cmp_ok($rates, '>', 0, 'rates with a decimal comma were read');

# the default CSV's file name says what it holds too
$r = $t->get('/api/v1/stats?period=quarter&group=top_agency&format=csv');
is($r->{headers}{'content-disposition'},
    'attachment; filename="stats-2024-q2-by-top-agency.csv"',
    'default CSV: an English file name');
like($r->{content}, qr/^\xef\xbb\xbftop_agency,top_agency_name,carried_over,/,
    'default CSV: the headings as before');

# the CLI writes the same vi CSV, byte for byte
{
    my ($rc, $out, $err) = $t->cli('stats', '--period', 'year', '--group',
        'agency', '--format', 'csv', '--locale', 'vi');
    is($rc, 0, 'onestop stats --format csv --locale vi: exit 0') or diag($err);
    ok($out eq $t->get('/api/v1/stats?period=year&group=agency&format=csv'
        . '&locale=vi')->{content}, 'the CLI: the bytes of HTTP');
    ($rc, $out, $err) = $t->cli('stats', '--locale', 'vi');
    isnt($rc, 0, 'the CLI: --locale without --format csv fails');
    like($err, qr/locale=vi needs format=csv/, 'the CLI: says why');
}

# --- apology letters ---

my $aj = $json->decode($t->get('/api/v1/apologies')->{content});
cmp_ok(scalar @{ $aj->{items} }, '>=', 6, 'letters in the JSON');
for my $vi (0, 1) {
    my $q = '/api/v1/apologies?format=csv' . ($vi ? '&locale=vi' : '');
    $r = $t->get($q);
    is($r->{status}, 200, "$q: 200") or diag($r->{content});
    like($r->{headers}{'content-type'}, qr{^text/csv}, "$q: CSV");
    is($r->{headers}{'content-disposition'},
        'attachment; filename="' . ($vi ? 'phieu-xin-loi-tat-ca.csv'
        : 'apologies-all.csv') . '"', "$q: file name");
    my $rows = py_csv($r->{content}, $vi ? ';' : ',');
    is_deeply($rows->[0], $vi
        ? ['Mã hồ sơ', 'Mã cơ quan', 'Tên cơ quan', 'Mã thủ tục',
           'Tên thủ tục', 'Người nộp', 'Loại người nộp', 'Ngày hẹn trả kết quả',
           'Ngày hẹn trả kết quả mới', 'Ngày phiếu xin lỗi', 'Lý do']
        : [qw(code agency agency_name procedure procedure_name applicant_name
              applicant_type due_date new_due_date issued_date reason)],
        "$q: headings");
    my @want = map {
        my $d = $vi ? \&dmy : sub { $_[0] };
        [$_->{code}, $_->{agency}{id}, $_->{agency}{name},
         $_->{procedure}{id}, $_->{procedure}{name}, $_->{applicant}{name},
         $_->{applicant}{type}, $d->($_->{due_date}),
         $d->($_->{new_due_date}), $d->($_->{issued_date}),
         $_->{reason} // '']
    } @{ $aj->{items} };
    is_deeply([@$rows[1 .. $#$rows]], \@want,
        "$q: the JSON's letters, masked names and reasons with ';' and ','");
    unlike(decode('UTF-8', $r->{content}), qr/Trần Thị Bích|0909123456/,
        "$q: no full name, no contact");
}
$r = $t->get('/api/v1/apologies?locale=vi');
is($r->{status}, 400, 'apologies?locale=vi without format=csv: 400');
$r = $t->get('/api/v1/apologies?format=csv&from=2024-05-01&locale=vi');
is($r->{headers}{'content-disposition'},
    'attachment; filename="phieu-xin-loi-tu-2024-05-01.csv"',
    'apologies: the period in the file name');

# --- the evaluation summary ---

my $sj = $json->decode($t->get(
    '/api/v1/evaluations/summary?period=year&group=agency')->{content});
cmp_ok(scalar @{ $sj->{groups} }, '>=', 1, 'summary groups in the JSON');
for my $vi (0, 1) {
    my $q = '/api/v1/evaluations/summary?period=year&group=agency&format=csv'
        . ($vi ? '&locale=vi' : '');
    $r = $t->get($q);
    is($r->{status}, 200, "$q: 200") or diag($r->{content});
    like($r->{headers}{'content-type'}, qr{^text/csv}, "$q: CSV");
    is($r->{headers}{'content-disposition'},
        'attachment; filename="' . ($vi ? 'danh-gia-2024-theo-co-quan.csv'
        : 'evaluations-2024-by-agency.csv') . '"', "$q: file name");
    my $rows = py_csv($r->{content}, $vi ? ';' : ',');
    my @head = @{ $rows->[0] };
    is($head[0], $vi ? 'Mã cơ quan' : 'agency', "$q: first heading");
    is($head[-1], $vi ? 'Điểm trung bình (9)' : '9_mean', "$q: last heading");
    my %col;
    @col{@head} = 0 .. $#head;
    is(scalar @$rows - 1, scalar @{ $sj->{groups} }, "$q: a row per group");
    for my $i (0 .. $#{ $sj->{groups} }) {
        my ($g, $row) = ($sj->{groups}[$i], $rows->[$i + 1]);
        is($row->[0], $g->{agency}, "$q row $i: agency");
        is(vi_num($row->[ $col{ $vi ? 'Số lượt đánh giá' : 'evaluations' } ]),
            $g->{evaluations}, "$q row $i: evaluations");
        for my $k (2, 5, 9) {
            my $mean = $row->[ $col{ $vi ? "Điểm trung bình ($k)"
                                         : "${k}_mean" } ];
            my $want = $g->{$k}{mean};
            ok(defined $want ? abs(vi_num($mean) - $want) < 1e-12
                             : $mean eq '', "$q row $i: mean of $k")
                or diag("$mean vs " . ($want // 'null'));
            unlike($mean, $vi ? qr/\./ : qr/,/, "$q row $i: decimal mark")
                if defined $want;
        }
    }
}

# --- gzip ---

for my $q ('/api/v1/catalog', '/api/v1/catalog?format=csv&table=agencies',
    '/api/v1/stats?period=all&group=agency&format=csv&locale=vi')
{
    my $plain = $t->get($q);
    $r = $t->get($q, headers => {'Accept-Encoding' => 'gzip'});
    is($r->{headers}{'content-encoding'}, 'gzip', "$q: gzip when asked");
    like($r->{headers}{vary} // '', qr/Accept-Encoding/i,
        "$q: Vary: Accept-Encoding");
    my $out;
    gunzip(\$r->{content}, \$out) or diag($GunzipError);
    is($out, $plain->{content}, "$q: the same bytes once unzipped");
    is($plain->{headers}{'content-encoding'}, undef,
        "$q: not compressed unless asked");
}

# an id given twice in one document: the second would undo the first (a
# level, a parent or a field no write may change, and counted twice), so
# the document is refused whole, the later entry named
{
    my $before = $t->get('/api/v1/catalog')->{content};
    for my $c (
        ['agencies', {agencies => [
            {id => '000.00.77.H36', name => 'Sở A', level => 'province',
             parent => undef},
            {id => '000.00.77.H36', name => 'UBND B', level => 'district',
             parent => undef}]}],
        ['fields', {fields => [{id => 'f-twice', name => 'A'},
            {id => 'f-twice', name => 'B'}]}],
        ['procedures', {procedures => [
            {id => '9.000001', name => 'A', field => 'tu-phap'},
            {id => '9.000001', name => 'A', field => 'ho-tich'}]}])
    {
        my ($list, $doc) = @$c;
        $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
            body => $json->encode({agencies => [], fields => [],
                procedures => [], %$doc}));
        is($r->{status}, 422, "$list: an id given twice: 422")
            or diag($r->{content});
        like($r->{content}, qr/"$list\[1\]: the id \\"[^"\\]+\\" is given twice \($list\[0\]\)"/,
            "$list: the later entry named") or diag($r->{content});
    }
    is($t->get('/api/v1/catalog')->{content}, $before,
        'the catalog as it was');

    # a member given twice in one entry (hand-written JSON: JSON::PP
    # cannot make one), or in the document: yajl reads the first, another
    # reader the last; and a name of spaces, which every page would show
    # as nothing
    for my $c (
        ['{"agencies":[{"id":"000.00.78.H36","name":"So A","name":"So B",'
         . '"level":"province","parent":null}],"fields":[],"procedures":[]}',
         qr/"agencies\[0\]: the member \\"name\\" is given twice"/],
        ['{"agencies":[],"fields":[{"id":"f-x","name":"A","id":"f-y"}],'
         . '"procedures":[]}',
         qr/"fields\[0\]: the member \\"id\\" is given twice"/],
        ['{"agencies":[],"fields":[],"procedures":[{"id":"9.000002",'
         . '"name":"A","field":"tu-phap","field":"ho-tich"}]}',
         qr/"procedures\[0\]: the member \\"field\\" is given twice"/],
        ['{"fields":[{"id":"f-z","name":"Z"}],"agencies":[],"procedures":[],'
         . '"fields":[]}',
         qr/"the member \\"fields\\" is given twice"/],
        ['{"agencies":[],"fields":[{"id":"f-blank","name":" \u00a0\t "}],'
         . '"procedures":[]}',
         qr/"fields\[0\].name is blank: every page shows it"/])
    {
        my ($body, $says) = @$c;
        $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
            body => $body);
        is($r->{status}, 422, "$body: 422") or diag($r->{content});
        like($r->{content}, $says, '... saying what') or diag($r->{content});
    }
    is($t->get('/api/v1/catalog')->{content}, $before,
        'the catalog as it was');
}

$t->check_log;

# --- the province's catalog as shipped, loaded by the CLI ---

{
    my $w = Onestop::Test->new;
    my $file = "$Onestop::Test::ROOT/conf/catalog-longan.json";
    my ($rc, $out, $err) = $w->cli('catalog', $file);
    is($rc, 0, 'onestop catalog conf/catalog-longan.json') or diag($err);
    $w->write_standard_conf(serve => [qw(catalog)], keys => 0);
    ok($w->start, 'a second nginx') or BAIL_OUT('nginx did not start');
    my $shipped = $json->decode(Onestop::Test::slurp($file));
    my $got = $json->decode($w->get('/api/v1/catalog')->{content});
    for my $table (qw(agencies fields procedures)) {
        my @want = sort { $a->{id} cmp $b->{id} } map {
            my %e = %$_;
            $e{parent} //= undef if $table eq 'agencies';
            \%e
        } @{ $shipped->{$table} };
        is(scalar @{ $got->{$table} }, scalar @want,
            "the shipped catalog: as many $table");
        is_deeply($got->{$table}, \@want,
            "the shipped catalog: every one of its $table, as written");
    }
    $w->check_log;
}

done_testing;
