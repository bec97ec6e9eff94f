#!/usr/bin/perl

# The public dashboard at / (SPEC section 7, issue 7) in headless
# Chromium against a real nginx with the demo data set: the page is
# served verbatim, self-contained (no URL elsewhere); after its scripts
# ran, every figure it shows (province cards, every top-level agency
# row, an expanded district's communes, the monthly chart and its
# table) is the API's, formatted the Vietnamese way (12.345, 98,5 %,
# — for no rate), for the default view, a field and channel filter,
# this month, a custom range and the sorted table.  Screenshots go to the
# test's directory, or to docs/img/ with ONESTOP_SCREENSHOTS=1 (`make
# screenshots`).  Skipped when there is no chromium.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use JSON::PP;
use Test::More;

use Onestop::Browser;
use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

plan skip_all => 'no chromium (apt-get install chromium)'
    unless Onestop::Browser::available();
plan skip_all => 'build first (make)'
    unless -x $Onestop::Test::CLI && -f $Onestop::Test::MODULE;

my $ROOT = $Onestop::Test::ROOT;
my $PAGE = "$ROOT/ngx_onestop/html/dashboard.html";
my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-11-20');

my ($rc, undef, $err) = $t->cli('demo', '3000');
is($rc, 0, 'the demo data set (3000 dossiers)') or BAIL_OUT("demo: $err");

$t->spew('drive.html', encode('UTF-8', drive_page()));
# questions received at 10:00 on the test's day (Điều 13), for the
# dashboard's section of them
$ENV{ONESTOP_TIME} = '10:00';
$t->spew('keys', sha256_hex('dash-admin') . " * admin\n");
$t->write_standard_conf(serve => [qw(dashboard stats)], map_size => undef,
    zone => '8m', main => "env ONESTOP_TIME;\n", server => <<'END');
location /api/v1/feedback { onestop_feedback json; }
location /api/v1/ingest/feedback { onestop_feedback ingest; }
location = /t/drive.html {
    alias %%DIR%%/drive.html;
    default_type "text/html; charset=utf-8";
}
END
ok($t->start, 'nginx starts') or BAIL_OUT('nginx does not start');

# --- helpers ---

sub api (%args) {
    my $q = join '&', map { "$_=$args{$_}" } sort keys %args;
    my $res = $t->get("/api/v1/stats?$q");
    die "GET /api/v1/stats?$q: $res->{status} $res->{content}\n"
        unless $res->{status} == 200;
    return $json->decode($res->{content});
}

# the page's formatting, from the API's counters: integers with dots
# between thousands, rates as percentages with one decimal rounded half
# up from the exact fraction, a comma and " %", "—" for null
sub int_vi ($n) {
    my $s = abs $n;
    1 while $s =~ s/^(\d+)(\d{3})/$1.$2/;
    return ($n < 0 ? '-' : '') . $s;
}

sub pct ($num, $den) {
    my $tenths = int(($num * 2000 + $den) / (2 * $den));
    $tenths = 999 if $tenths == 1000 && $num < $den;
    $tenths = 1 if $tenths == 0 && $num > 0;
    return sprintf('%d,%d %%', int($tenths / 10), $tenths % 10);
}

sub rate_vi ($c, $m) {
    return '—' unless defined $c->{$m};
    return pct($c->{resolved_in_time},
            $c->{resolved} - ($c->{resolved_no_deadline} // 0))
        if $m eq 'on_time_rate';
    return pct($c->{resolved}, $c->{carried_over} + $c->{received})
        if $m eq 'resolution_rate';
    return pct($c->{resolved_in_time} + $c->{resolved_no_deadline}
            + $c->{withdrawn_in_time} + $c->{pending_not_due},
            $c->{carried_over} + $c->{received})
        if $m eq 'progress_rate';
    die "unknown rate $m";
}

sub fmt ($c, $m) {
    return rate_vi($c, $m) if $m =~ /_rate$/;
    return $c->{$m} if $m =~ /_name$/;
    die "no member $m\n" unless exists $c->{$m};
    return int_vi($c->{$m});
}

sub date_vi ($iso) { $iso =~ /^(\d{4})-(\d\d)-(\d\d)$/ ? "$3/$2/$1" : '?' }

sub unescape ($s) {
    $s =~ s/&nbsp;/\x{a0}/g;
    $s =~ s/&lt;/</g;
    $s =~ s/&gt;/>/g;
    $s =~ s/&quot;/"/g;
    $s =~ s/&#(\d+);/chr($1)/ge;
    $s =~ s/&amp;/&/g;
    return $s;
}

sub attr ($attrs, $name) {
    return $attrs =~ /\s\Q$name\E="([^"]*)"/ ? unescape($1) : undef;
}

# the elements of $html that carry data-field and hold only text:
# [field, text, attributes]
sub fields ($html) {
    my @out;
    while ($html =~ /<(\w+)(\s[^>]*)?>([^<]*)<\/\1>/g) {
        my ($attrs, $text) = ($2 // '', $3);
        my $f = attr($attrs, 'data-field') // next;
        next if defined attr($attrs, 'data-value');
        push @out, [$f, unescape($text), $attrs];
    }
    return @out;
}

sub part ($dom, $start, $end) {
    my $i = index($dom, $start);
    return '' if $i < 0;
    my $j = index($dom, $end, $i);
    return substr($dom, $i, ($j < 0 ? length($dom) : $j + length $end) - $i);
}

# the rows of a table: [attributes, inner html]
sub rows ($html) {
    my @out;
    while ($html =~ /<tr(\s[^>]*)?>(.*?)<\/tr>/gs) {
        push @out, [$1 // '', $2];
    }
    return @out;
}

sub dom ($path) {
    my $dom;
    for my $try (1 .. 2) {
        $dom = Onestop::Browser::dump_dom($t->url($path));
        last if defined $dom && $dom =~ /<body[^>]*data-state="ready"/;
        diag("$path: try $try: "
            . (defined $dom ? ($dom =~ /data-state="(\w+)"/)[0] // '?'
                            : 'no DOM')
            . "\n$Onestop::Browser::LAST_ERROR");
    }
    ok(defined $dom && $dom =~ /<body[^>]*data-state="ready"/,
        "$path: the page loaded its figures")
        or diag(defined $dom ? substr($dom, 0, 2000) : 'no DOM');
    return $dom // '';
}

# compare [field, text] pairs with an API object
sub same_fields ($name, $list, $c, %opt) {
    my ($ok, $n) = (1, 0);
    for my $f (@$list) {
        my ($field, $text) = @$f;
        next if $opt{skip} && $opt{skip}{$field};
        $n++;
        my $want = eval { fmt($c, $field) } // "(no member $field)";
        next if $text eq $want;
        $ok = 0;
        diag("$name: $field shows '$text', the API says '$want'");
    }
    ok($ok && $n, "$name: $n figures are the API's") or diag("n=$n");
}

# the rate the page shows is the API's fraction, to the tenth of a point
sub rates_agree ($name, $c) {
    for my $m (qw(on_time_rate resolution_rate)) {
        next unless defined $c->{$m};
        my $shown = fmt($c, $m);
        $shown =~ s/ %$//;
        $shown =~ tr/,/./;
        cmp_ok(abs($c->{$m} * 100 - $shown), '<=', 0.05 + 1e-9,
            "$name: $m $c->{$m} is shown as $shown %");
    }
}

my %is_district;
{
    my $lv = api(period => 'all', group => 'top_agency,level');
    for my $g (@{$lv->{groups}}) {
        $is_district{$g->{top_agency}} = 1
            if $g->{level} eq 'district' || $g->{level} eq 'commune';
    }
    ok(scalar(keys %is_district) >= 2, 'the demo has districts')
        or BAIL_OUT('no districts in the demo data');
}

# the district with the most communes that have figures for %q
sub busiest_district (%q) {
    my ($best, $n) = (undef, -1);
    for my $id (sort keys %is_district) {
        my $d = api(%q, under => $id, group => 'agency');
        my $c = grep { $_->{agency} ne $id } @{$d->{groups}};
        ($best, $n) = ($id, $c) if $c > $n;
    }
    return $best;
}

# every check of one view: $path in the browser, %q the API arguments
# of its period and filters, %chart those of its chart
sub check_view ($path, $q, $chart, %opt) {
    my $dom = dom($path);
    return $dom unless length $dom;
    my $sum = api(%$q);
    my $top = api(%$q, group => 'top_agency');
    my $tot = $sum->{totals};

    # province cards
    my $cards = part($dom, '<section id="tong-quan"', '</section>');
    my @cf = fields($cards);
    my %seen = map { $_->[0] => 1 } @cf;
    ok($seen{$_}, "$path: the cards show $_")
        for qw(received resolved on_time_rate pending_overdue
               resolution_rate from to);
    same_fields("$path: cards", \@cf, $tot, skip => {from => 1, to => 1});
    my %dates = map { $_->[0] => $_ } grep { $_->[0] =~ /^(from|to)$/ } @cf;
    for my $d (qw(from to)) {
        is($dates{$d}[1], date_vi($sum->{$d}), "$path: the period's $d");
        is(attr($dates{$d}[2], 'datetime'), $sum->{$d},
            "$path: the period's $d, machine-readable");
    }
    rates_agree("$path: province", $tot);

    # the agency table: every top-level agency, and nothing else
    my $table = part($dom, '<table id="bang-co-quan"', '</table>');
    my (%row, @order, %kids, $foot, @untagged);
    for my $r (rows($table)) {
        my ($attrs, $inner) = @$r;
        if (defined attr($attrs, 'data-scope')) {
            $foot = $inner;
            next;
        }
        my $id = attr($attrs, 'data-id') // next;
        if (defined(my $p = attr($attrs, 'data-parent'))) {
            push @{$kids{$p}}, [$id, $inner];
        } else {
            push @untagged, $id unless (attr($attrs, 'data-level') // '') eq 'top';
            $row{$id} = $inner;
            push @order, $id;
        }
    }
    my %api = map { $_->{top_agency} => $_ } @{$top->{groups}};
    is_deeply(\@untagged, [], "$path: agency rows are data-level=top or have a data-parent");
    is_deeply([sort keys %row], [sort keys %api],
        "$path: a row for every top-level agency of the API ("
        . scalar(keys %api) . ')');
    my ($bad, $n) = (0, 0);
    for my $id (sort keys %row) {
        my $g = $api{$id} or next;
        my @f = fields($row{$id});
        my %has = map { $_->[0] => 1 } @f;
        # Điều 11.2.b: received, resolved and resolved on time (early and
        # on time, DOMAIN) of each department and district
        for my $m (qw(top_agency_name received resolved resolved_in_time on_time_rate
                      pending_overdue)) {
            next if $has{$m};
            $bad++;
            diag("$path: $id: no $m");
        }
        for my $f (@f) {
            $n++;
            my $want = fmt($g, $f->[0]);
            next if $f->[1] eq $want;
            $bad++;
            diag("$path: $id $f->[0]: '$f->[1]', the API says '$want'");
        }
        my $button = $row{$id} =~ /<button[^>]*aria-expanded="(true|false)"/;
        if ($is_district{$id}) {
            $bad++, diag("$path: district $id cannot be expanded")
                unless $button;
        } else {
            $bad++, diag("$path: department $id has an expand button")
                if $button;
        }
    }
    is($bad, 0, "$path: the $n figures of the agency rows are the API's");
    same_fields("$path: the province row", [fields($foot // '')], $tot);

    # an expanded district: its communes, and not itself
    for my $id (@{$opt{expanded} // []}) {
        like($row{$id} // '', qr/aria-expanded="true"/,
            "$path: $id is expanded");
        my $sub = api(%$q, under => $id, group => 'agency');
        my %want = map { $_->{agency} => $_ }
            grep { $_->{agency} ne $id } @{$sub->{groups}};
        my %got = map { $_->[0] => $_->[1] } @{$kids{$id} // []};
        ok(keys %want, "$path: $id has communes with figures");
        is_deeply([sort keys %got], [sort keys %want],
            "$path: $id: a row for each of its "
            . scalar(keys %want) . ' communes');
        my ($bad, $n) = (0, 0);
        for my $c (sort keys %got) {
            my $g = $want{$c} or next;
            for my $f (fields($got{$c})) {
                $n++;
                my $w = fmt($g, $f->[0]);
                next if $f->[1] eq $w;
                $bad++;
                diag("$path: commune $c $f->[0]: '$f->[1]', the API says '$w'");
            }
        }
        ok($n >= 5 * keys %want && !$bad,
            "$path: $id: the $n figures of its communes are the API's");
    }
    for my $p (keys %kids) {
        ok(grep({ $_ eq $p } @{$opt{expanded} // []}),
            "$path: only the asked districts are expanded ($p)");
    }

    # the chart: its table and its bars
    my $ser = api(%$chart, interval => 'month')->{series};
    my $ct = part($dom, '<table id="bang-thang"', '</table>');
    my @months = grep { defined attr($_->[0], 'data-id') } rows($ct);
    is_deeply([map { attr($_->[0], 'data-id') } @months],
        [map { $_->{from} } @$ser],
        "$path: the chart's table has the API's " . scalar(@$ser)
        . ' months');
    ($bad, $n) = (0, 0);
    for my $i (0 .. $#months) {
        my $s = $ser->[$i] or last;
        for my $f (fields($months[$i][1])) {
            $n++;
            my $w = fmt($s, $f->[0]);
            next if $f->[1] eq $w;
            $bad++;
            diag("$path: month $s->{from} $f->[0]: '$f->[1]', API '$w'");
        }
    }
    ok($n >= 3 * @$ser && !$bad, "$path: the $n figures of the chart's table");
    my $cs = api(%$chart);
    my %cd = map { $_->[0] => $_ } fields(part($dom, '<p class="period-line" id="bd-ky"', '</p>'));
    for my $d (qw(from to)) {
        is($cd{$d} && $cd{$d}[1], date_vi($cs->{$d}), "$path: the chart's $d");
        is($cd{$d} && attr($cd{$d}[2], 'datetime'), $cs->{$d},
            "$path: the chart's $d, machine-readable");
    }
    my $svg = part($dom, '<div id="bd-hinh"', '</svg>');
    like($svg, qr/<svg[^>]*role="img"[^>]*aria-label="[^"]{40,}"/,
        "$path: the chart is an image with a text alternative");
    my @bars = $svg =~ /<rect[^>]*data-field="received"[^>]*data-value="(\d+)"/g;
    is_deeply(\@bars, [map { $_->{received} } @$ser],
        "$path: a bar for each month, of the API's height");

    # sorting
    my $ths = part($table, '<thead', '</thead>');
    my @heads = $ths =~ /<th(\s[^>]*)>/g;
    is(scalar(grep { /scope="col"/ } @heads), 6, "$path: 6 column headers");
    is(() = $ths =~ /<button type="button"/g, 6,
        "$path: each header is a sort button");
    my @sorted = grep { /aria-sort=/ } @heads;
    if (my $s = $opt{sort}) {
        my ($key, $dir) = @$s;
        is(scalar(@sorted), 1, "$path: one column is sorted");
        like($sorted[0] // '', qr/data-key="\Q$key\E"/,
            "$path: by $key");
        like($sorted[0] // '', qr/aria-sort="${dir}ending"/, "$path: $dir");
        # within each group (departments, districts)
        for my $grp ([grep { !$is_district{$_} } @order],
                     [grep { $is_district{$_} } @order]) {
            my @v = map {
                my $g = $api{$_};
                $key eq 'on_time_rate'
                    ? ($g->{resolved} ? $g->{resolved_in_time} / $g->{resolved}
                                      : undef)
                    : $g->{$key};
            } @$grp;
            my $ok = 1;
            my $nulls = 0;
            for my $i (1 .. $#v) {
                if (!defined $v[$i]) { $nulls = 1; next; }
                $ok = 0 if $nulls;                  # no value after a null
                next unless defined $v[$i - 1];
                $ok = 0 if $dir eq 'asc' ? $v[$i] < $v[$i - 1]
                                         : $v[$i] > $v[$i - 1];
            }
            ok($ok, "$path: rows in $key order, $dir, no rate last")
                or diag(join ' ', map { $_ // 'null' } @v);
        }
    } else {
        is(scalar(@sorted), 0, "$path: no column sorted at first");
        is_deeply(\@order, [(grep { !$is_district{$_} } sort keys %api),
                            (grep { $is_district{$_} } sort keys %api)],
            "$path: departments, then districts, in the API's order");
    }
    return $dom;
}

# --- the page as served ---

my $res = $t->get('/');
is($res->{status}, 200, 'GET / is the dashboard');
like($res->{headers}{'content-type'}, qr{^text/html}, 'as HTML');
my $file = Onestop::Test::slurp($PAGE);
# the template with the province and its act (onestop_province,
# onestop_regulation: t/province.t) as they are by default
$file =~ s/\{\{province_lc\}\}/${\ encode('UTF-8', 'tỉnh Long An')}/g;
$file =~ s/\{\{regulation\}\}/${\ encode('UTF-8',
    'Quyết định số 30\/2019\/QĐ-UBND ngày 09\/7\/2019')}/g;
ok($res->{content} eq $file,
    'the page is ngx_onestop/html/dashboard.html, the province and its act '
    . 'filled in (make rebuilds it)');
my $page = decode('UTF-8', $res->{content});
unlike($page, qr/\{\{/, 'no {{ in the page (reserved for templates)');
like($page, qr/<html lang="vi">/, 'lang="vi"');
like($page, qr/<meta name="viewport" content="width=device-width/,
    'a viewport for phones');
like($page,
    qr/<title>Thống kê giải quyết hồ sơ thủ tục hành chính – tỉnh Long An<\/title>/,
    'the title');
like($page, qr/<noscript>.*\/api\/v1\/stats.*<\/noscript>/s,
    'without JavaScript it says where the raw data is');
{
    my @ext = grep { !m{^http://www\.w3\.org/2000/svg$} }
        $page =~ m{((?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"'<>)]*)}g;
    is_deeply(\@ext, [], 'no URL elsewhere (self-contained)');
    my @refs = $page =~ /\b(?:src|href|action)="([^"]*)"/g;
    is_deeply([grep { !/^(?:api\/v1\/stats|#|data:,$|hoi-dap$)/ } @refs],
        [], 'links are relative, to the API, the questions page (hoi-dap) '
        . 'or inside the page');
    unlike($page, qr/<script[^>]+src=|<link[^>]+stylesheet|\@import|\burl\(/,
        'no script, style sheet or font to fetch');
    like($page, qr/fetch\(/, 'the figures are fetched by the page');
}
like($page, qr/<caption/, 'tables have captions');
like($page, qr/<label for="linh-vuc">Lĩnh vực<\/label>/, 'labelled field filter');
like($page, qr/<label for="kenh">/, 'labelled channel filter');
for (['direct', 'Trực tiếp'], ['online', 'Trực tuyến'],
     ['postal', 'Bưu chính công ích']) {
    like($page, qr/<option value="$_->[0]">$_->[1]<\/option>/,
        "channel option $_->[1]");
}
for ('Tháng này', 'Năm nay', 'Tùy chọn') {
    like($page, qr/> \Q$_\E<\/label>/, "period choice $_");
}

# --- formatting as the page does it ---

is(int_vi(12345), '12.345', 'thousands: 12.345');
is(int_vi(1234567), '1.234.567', 'thousands: 1.234.567');
is(pct(197, 200), '98,5 %', 'rate: 98,5 %');
is(pct(1, 16), '6,3 %', 'rate: half up');
is(pct(1999, 2000), '99,9 %', 'rate: not 100,0 % while one was late');
is(pct(1, 2000), '0,1 %', 'rate: not 0,0 % while one was on time');
is(rate_vi({on_time_rate => undef}, 'on_time_rate'), '—', 'no rate: —');

# --- the views ---

my $year = {period => 'year'};
my $d1 = busiest_district(%$year);
my $dom = check_view("/?expand=$d1", $year, $year, expanded => [$d1]);

# the field selector lists the fields of all time, by name
{
    my $fields = api(period => 'all', group => 'field')->{groups};
    my $sel = part($dom, '<select id="linh-vuc"', '</select>');
    my @opts = $sel =~ /<option value="([^"]+)">/g;
    is_deeply([sort @opts], [sort map { $_->{field} } @$fields],
        'the field filter offers every field that has dossiers');
    my %name = map { $_->{field} => $_->{field_name} } @$fields;
    my $named = 1;
    while ($sel =~ /<option value="([^"]+)">([^<]*)</g) {
        $named = 0 unless unescape($2) eq ($name{$1} // '');
    }
    ok($named, 'by their names');
}

# a field and a channel: the field with the most online dossiers
my $field = (sort { $b->{received_online} <=> $a->{received_online}
                    || $a->{field} cmp $b->{field} }
             @{api(period => 'year', group => 'field')->{groups}})[0]{field};
my $filter = {period => 'year', field => $field, channel => 'online'};
my $d2 = busiest_district(%$filter);
$dom = check_view("/?field=$field&channel=online&expand=$d2&sort=received-desc",
    $filter, $filter, expanded => [$d2], sort => ['received', 'desc']);
{
    my $name = api(period => 'all', group => 'field', field => $field)
        ->{groups}[0]{field_name};
    my $line = part($dom, '<p class="period-line" id="ky"', '</p>');
    like($line, qr/\Q$name\E/, 'the filter is named on the page');
    like($line, qr/trực tuyến/, 'and the channel');
}

# this month: the chart shows the months of the year
check_view('/?period=month&sort=on_time_rate-asc', {period => 'month'},
    $year, sort => ['on_time_rate', 'asc']);

# a custom range
my $range = {from => '2023-02-15', to => '2023-07-10'};
$dom = check_view('/?from=2023-02-15&to=2023-07-10&sort=resolved_in_time-desc',
    $range, $range, sort => ['resolved_in_time', 'desc']);
like(part($dom, '<input type="date" id="tu-ngay"', '>'), qr/min="\d{4}-\d\d-\d\d"/,
    'the date inputs know the first day with data');

# --- using it: a page of the same origin drives the dashboard in a frame
# (clicks, a select, the custom range) and writes what it saw ---

{
    my $res = $t->get('/t/drive.html');
    is($res->{status}, 200, 'the driving page is served');
    my $dom = Onestop::Browser::dump_dom($t->url('/t/drive.html'),
        budget => 30000);
    $dom //= '';
    my %saw;
    while ($dom =~ /<li data-k="([^"]+)">([^<]*)<\/li>/g) {
        $saw{$1} = unescape($2);
    }
    ok($dom =~ /data-done="1"/, 'the driving page finished')
        or diag(join "\n", map { "$_: $saw{$_}" } sort keys %saw);
    my $tot = api(period => 'year')->{totals};
    is($saw{'first-received'}, fmt($tot, 'received'), 'the first view');
    is($saw{'sort-1'}, 'descending', 'a click on "Tiếp nhận" sorts it, largest first');
    is($saw{'sort-1-order'}, 'ok', 'the rows follow');
    is($saw{'sort-2'}, 'ascending', 'a second click reverses it');
    is($saw{'sort-2-order'}, 'ok', 'the rows follow');
    is($saw{'sort-url'}, 'sort=received-asc', 'the address says so');
    my $sub = api(period => 'year', under => $saw{'district'} // '',
        group => 'agency');
    my $communes = grep { $_->{agency} ne ($saw{'district'} // '') }
        @{$sub->{groups}};
    is($saw{'expanded'}, 'true', 'a click on a district expands it');
    is($saw{'communes'}, $communes, "its $communes communes are shown");
    is($saw{'controls'}, 'ok', 'the button controls their rows');
    is($saw{'focus-kept'}, 'yes', 'the button keeps the focus');
    like($saw{'expand-url'} // '', qr/expand=\Q$saw{district}\E/,
        'the address says so');
    is($saw{'collapsed'}, 'false', 'a second click folds it');
    is($saw{'communes-after'}, '0', 'its communes are gone');
    my $postal = api(period => 'year', channel => 'postal')->{totals};
    is($saw{'postal-received'}, fmt($postal, 'received'),
        'choosing the postal channel shows its figures');
    like($saw{'postal-url'} // '', qr/channel=postal/, 'the address says so');
    my $month = api(period => 'month', channel => 'postal')->{totals};
    is($saw{'month-received'}, fmt($month, 'received'),
        '"Tháng này" shows this month');
    is($saw{'range-shown'}, 'yes', '"Tùy chọn" shows the date inputs');
    is($saw{'range-received'},
        fmt(api(channel => 'postal', from => '2024-01-01', to => '2024-11-20')
            ->{totals}, 'received'),
        'and starts with this year up to today');
    is($saw{'bad-range'}, 'err', 'a range that ends before it starts is refused');
    is($saw{'bad-range-focus'}, 'tu-ngay', 'and the first date gets the focus');
}

# the page asked for nothing but itself and the API, and got it
{
    my @lines = grep { /HeadlessChrome/ }
        split /\n/, Onestop::Test::slurp($t->dir . '/access.log');
    ok(@lines >= 4 * 5, 'the browser made its requests (' . @lines . ')');
    my @other = grep { !m{"GET /(?:api/v1/stats|t/drive\.html)?(?:\?[^ ]*)? HTTP/1\.1" (?:200|304) } }
        @lines;
    is_deeply(\@other, [], 'only / and /api/v1/stats, all answered');
}

# --- screenshots for docs/ ---

my $img = $ENV{ONESTOP_SCREENSHOTS} ? "$ROOT/docs/img" : $t->dir;
mkdir $img;
for (["/?expand=$d1", 'dashboard.png', 1280, 1800],
     ['/', 'dashboard-phone.png', 390, 844],
     ["/?expand=$d1", 'dashboard-full.png', 1280, 3900]) {
    my ($path, $name, $w, $h) = @$_;
    my $f = Onestop::Browser::screenshot($t->url($path), "$img/$name", $w, $h);
    ok($f, "screenshot $name") or diag($Onestop::Browser::LAST_ERROR);
    is_deeply([Onestop::Browser::png_size("$img/$name")], [$w, $h],
        "$name is $w x $h");
}

$t->check_log;
# --- the questions (Điều 13): received, answered (in time), pending ---

my @qs;
for my $n (1 .. 3) {
    my $res = $t->http('POST', '/api/v1/feedback',
        headers => {'Content-Type' => 'application/json'},
        body => $json->encode({kind => 'question', subject => "Câu hỏi $n",
            text => 'Xin hỏi', name => 'Ngô Văn Bình',
            contact => '0912345678'}));
    is($res->{status}, 201, "question $n asked") or diag($res->{content});
    push @qs, eval { $json->decode($res->{content})->{id} };
}
my $ans = $t->http('POST', "/api/v1/ingest/feedback/$qs[0]",
    headers => {Authorization => 'Bearer dash-admin',
        'Content-Type' => 'application/json'},
    body => $json->encode({answer => 'Trả lời', publish => JSON::PP::false}));
is($ans->{status}, 200, 'one answered') or diag($ans->{content});
{
    my $dom = dom('/');
    my $fb = api(period => 'year', subject => 'feedback')->{totals};
    is($fb->{received}, 3, 'the API counts 3 questions this year');
    my $sec = part($dom, '<section id="hoi-dap"', '</section>');
    my @ff = fields($sec);
    my %seen = map { $_->[0] => 1 } @ff;
    ok($seen{$_}, "the dashboard shows the questions' $_")
        for qw(received answered answered_in_time answered_late pending
               pending_overdue);
    same_fields('the questions', \@ff, $fb);
}

# an address with a field the catalog does not hold (a stale bookmark, a
# typo): the page says so in Vietnamese, not with the API's English
{
    my $dom = Onestop::Browser::dump_dom($t->url('/?field=no-such-field'))
        // '';
    like($dom, qr/<body[^>]*data-state="error"/,
        '?field= of no field: the page says it could not load');
    my ($msg) = $dom =~ m{<p id="trang-thai"[^>]*>(.*?)</p>}s;
    $msg = unescape($msg // '');
    like($msg, qr/^Không tải được số liệu: không có lĩnh vực “no-such-field” trong danh mục\./,
        '... in Vietnamese, naming the field') or diag($msg);
    unlike($msg, qr/\b(?:no field|catalog|HTTP)\b/, '... no English');
}

$t->stop;
done_testing;

# a page of the same origin that drives the dashboard in a frame
sub drive_page {
    return <<'END';
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>drive</title>
<link rel="icon" href="data:,"></head>
<body>
<iframe id="f" src="/" width="1200" height="900"></iframe>
<ul id="out"></ul>
<script>
var f = document.getElementById('f'), out = document.getElementById('out');
function log(k, v) {
  var li = document.createElement('li');
  li.setAttribute('data-k', k);
  li.textContent = String(v);
  out.appendChild(li);
}
function doc() { return f.contentDocument; }
function until(cond, then) {
  var n = 0;
  (function poll() {
    var ok = false;
    try { ok = cond(); } catch (e) { ok = false; }
    if (ok) { then(); return; }
    if (++n > 400) { log('timeout', then.name || '?'); done(); return; }
    setTimeout(poll, 50);
  }());
}
function ready() {
  var d = doc();
  return d && d.body && d.body.getAttribute('data-state') === 'ready'
    && !d.querySelector('#bang-co-quan tr.loading');
}
function card(field) {
  return doc().querySelector('#tong-quan [data-field="' + field + '"]').textContent;
}
function tops() {
  return Array.prototype.slice.call(
    doc().querySelectorAll('#bang-co-quan tbody tr[data-level="top"]'));
}
function orderOk(dir) {
  var ok = 'ok';
  ['nhom-so', 'nhom-huyen'].forEach(function (id) {
    var v = Array.prototype.map.call(
      doc().querySelectorAll('#' + id + ' tr[data-level="top"] td[data-field="received"]'),
      function (td) { return parseInt(td.textContent.replace(/\./g, ''), 10); });
    for (var i = 1; i < v.length; i++) {
      if (dir === 'desc' ? v[i] > v[i - 1] : v[i] < v[i - 1]) { ok = 'bad: ' + v.join(' '); }
    }
  });
  return ok;
}
function th(key) { return doc().querySelector('#bang-co-quan th[data-key="' + key + '"]'); }
function search() { return f.contentWindow.location.search; }
function done() { document.body.setAttribute('data-done', '1'); }

var district;
function step1() {
  log('first-received', card('received'));
  th('received').querySelector('button').click();
  log('sort-1', th('received').getAttribute('aria-sort'));
  log('sort-1-order', orderOk('desc'));
  th('received').querySelector('button').click();
  log('sort-2', th('received').getAttribute('aria-sort'));
  log('sort-2-order', orderOk('asc'));
  log('sort-url', (/sort=[^&]*/.exec(search()) || [''])[0]);
  var b = doc().querySelector('#nhom-huyen tr[data-level="top"] button.xp');
  district = b.closest('tr').getAttribute('data-id');
  log('district', district);
  b.click();
  until(ready, step2);
}
function step2() {
  var b = doc().querySelector('tr[data-id="' + district + '"] button.xp');
  log('expanded', b.getAttribute('aria-expanded'));
  var rows = doc().querySelectorAll('tr[data-parent="' + district + '"]');
  log('communes', rows.length);
  var ids = (b.getAttribute('aria-controls') || '').split(' ').filter(Boolean);
  log('controls', ids.length === rows.length && ids.every(function (id) {
    return doc().getElementById(id) && doc().getElementById(id).getAttribute('data-parent') === district;
  }) ? 'ok' : 'bad: ' + ids.join(' '));
  log('focus-kept', doc().activeElement === b ? 'yes' : 'no');
  log('expand-url', search());
  b.click();
  b = doc().querySelector('tr[data-id="' + district + '"] button.xp');
  log('collapsed', b.getAttribute('aria-expanded'));
  log('communes-after', doc().querySelectorAll('tr[data-parent="' + district + '"]').length);
  var sel = doc().getElementById('kenh');
  sel.value = 'postal';
  sel.dispatchEvent(new Event('change', { bubbles: true }));
  until(ready, step3);
}
function step3() {
  log('postal-received', card('received'));
  log('postal-url', search());
  doc().querySelector('input[name="period"][value="month"]').click();
  until(ready, step4);
}
function step4() {
  log('month-received', card('received'));
  doc().querySelector('input[name="period"][value="custom"]').click();
  until(ready, step5);
}
function step5() {
  log('range-shown', doc().getElementById('khoang').hidden ? 'no' : 'yes');
  log('range-received', card('received'));
  doc().getElementById('tu-ngay').value = '2024-06-01';
  doc().getElementById('den-ngay').value = '2024-05-01';
  doc().querySelector('#khoang button[type="submit"]').click();
  setTimeout(function () {
    log('bad-range', doc().getElementById('trang-thai').className);
    log('bad-range-focus', doc().activeElement && doc().activeElement.id);
    done();
  }, 200);
}
f.addEventListener('load', function () { until(ready, step1); });
</script>
</body></html>
END
}
